import { defineConfig } from 'vitest/config';

// Decorator metadata (Nest constructor injection) comes from tsconfig.json's
// emitDecoratorMetadata, which Vite's TypeScript transform honours.
export default defineConfig({
  test: {
    include: ['src/**/*.spec.ts'],
  },
});
