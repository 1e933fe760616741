import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/reliability/**', 'node_modules/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Broker tests share one RabbitMQ; files run in parallel but each uses its own queues.
    pool: 'forks',
  },
});
