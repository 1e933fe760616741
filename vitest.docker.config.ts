import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

/**
 * `npm run test:docker`: what needs a Docker engine itself, not just a broker: the test brokers'
 * containers and their failures, and docker-compose.yml. Each test starts (and removes) its own
 * containers; the files run one at a time, since some count the containers left over.
 */
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    include: ['test/docker/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 240_000,
    hookTimeout: 120_000,
  },
});
