import { defineConfig } from 'vitest/config';

/** `npx vitest run -c examples/broker-tests/vitest.config.ts`: this folder's tests, alone. */
export default defineConfig({
  test: {
    include: ['examples/broker-tests/**/*.test.ts'],
    globalSetup: ['examples/broker-tests/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
