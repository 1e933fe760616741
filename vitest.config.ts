import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/reliability/**', 'test/docker/**', 'test/cluster/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Broker tests share one RabbitMQ; files run in parallel but each uses its own queues.
    pool: 'forks',
    // One RabbitMQ for the whole run, started (or found) before the first file and stopped after.
    globalSetup: ['test/support/global-broker.ts'],
  },
});
