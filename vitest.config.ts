import { defineConfig } from 'vitest/config';

// Decorator metadata (Nest constructor injection) comes from tsconfig.json's
// emitDecoratorMetadata, which Vite's TypeScript transform honours.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/*.e2e-spec.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
    ],
  },
});
