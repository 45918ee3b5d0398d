import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Differential and image tests spawn QEMU and disco; they set longer timeouts themselves.
    testTimeout: 20_000,
    pool: 'forks',
  },
});
