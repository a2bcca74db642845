import { defineConfig } from 'vitest/config';

// Two cores and one software GPU: files run one at a time, each with its own engine.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
});
