import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

/**
 * The reliability suite (`npm run test:reliability`): faults against the real broker, the
 * loopback REST server and the public API. Files run one at a time, since some of them stop
 * the shared broker or close its connections; CI runs this after `npm test`, never alongside.
 * `RELIABILITY_SOAK=1` runs the long sizes.
 */
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    include: ['test/reliability/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    // One RabbitMQ for the whole run, started (or found) before the first file and stopped after.
    globalSetup: ['test/support/global-broker.ts'],
    testTimeout: 300_000,
    hookTimeout: 120_000,
    // Every file's output, logger lines, status events and errors are scanned for secrets.
    setupFiles: ['test/reliability/support/setup.ts'],
    env: { DEBUG_TASKCLUSTER_CLIENT: '1' },
  },
});
