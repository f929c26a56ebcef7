import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** Repository root, found from this file so scripts work from any working directory. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Git-ignored home of built binaries, the CLI's state and records of running control planes. */
export const cacheDir = path.join(repoRoot, '.cache', 'control-plane');

export const goModulesDir = fileURLToPath(new URL('./go/', import.meta.url));
