import { parseJsonManifest } from './json-manifest.ts';
import type { Manifest } from './manifest.ts';
import { parseYamlManifest } from './yaml-manifest.ts';

/** JSON stays JSON (kubectl's `-o json`, a List); everything else is a YAML stream. */
export function parseManifest(text: string, source: string): Manifest {
  return parseJsonManifest(text) ?? parseYamlManifest(text, source);
}
