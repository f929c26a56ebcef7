import { defineConfig } from 'vitest/config';

// Decorator metadata (Nest constructor injection) comes from tsconfig.json's
// emitDecoratorMetadata, which Vite's TypeScript transform honours.
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      { extends: true, test: { name: 'unit', include: ['src/**/*.spec.ts', 'test/**/*.spec.ts'] } },
      { extends: true, test: { name: 'e2e', include: ['test/*.e2e-spec.ts', 'test/cli/*.e2e-spec.ts'], testTimeout: 30_000, hookTimeout: 30_000 } },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: ['test/cluster/**/*.e2e-spec.ts', 'test/control-plane/**/*.e2e-spec.ts', 'test/cli/cluster/**/*.e2e-spec.ts'],
          // Starts (and on a fresh machine first builds) a real kube-apiserver + etcd.
          globalSetup: ['test/control-plane/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'reliability',
          include: ['test/reliability/**/*.reliability-spec.ts'],
          // Load, soak and fault tests measure the service: they run after every other
          // project and one file at a time, so nothing else competes for the two cores.
          sequence: { groupOrder: 1 },
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
