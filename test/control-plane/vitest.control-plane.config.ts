import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/** Runs only the harness's own spec: `npx vitest run --config test/control-plane/vitest.control-plane.config.ts`. */
export default defineConfig({
  root: fileURLToPath(new URL('../../', import.meta.url)),
  test: {
    include: ['test/control-plane/**/*.e2e-spec.ts'],
    globalSetup: ['test/control-plane/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
