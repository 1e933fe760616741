import { defineConfig } from 'vitest/config';
import { SummaryReporter } from './test/support/summary-reporter.js';

/**
 * `npm run test:cluster`: bot replicas and a publisher on a three-node RabbitMQ cluster in
 * Docker (startTestCluster), surviving node loss, freezes, partitions and a rolling restart.
 * Each file starts (and removes) its own cluster; the files run one at a time, since a cluster
 * takes most of this machine and the faults are timed.
 */
export default defineConfig({
  test: {
    reporters: ['default', new SummaryReporter()],
    include: ['test/cluster/**/*.test.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 300_000,
    hookTimeout: 240_000,
  },
});
