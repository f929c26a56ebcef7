import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import type { JsonValue } from '../../injection/kubernetes-types.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { injectManifest } from './inject-manifest.ts';
import { JsonDocument } from './json-manifest.ts';
import { parseYamlManifest } from './yaml-manifest.ts';

const config = parseSidecarConfig(readFileSync(new URL('../../../test/fixtures/sidecars.yaml', import.meta.url), 'utf8'));
const options = { config, policy: cliInjectionPolicy('sidecar-injector'), namespace: 'staging' };

/** The same manifest injected as plain JSON values: what the YAML text must mean once spliced. */
function injectAsJson(text: string): JsonValue[] {
  return parseAllDocuments(text).map((document) => {
    const json = new JsonDocument(document.toJS() as JsonValue);
    injectManifest({ format: 'json', documents: () => [json], render: () => '' }, options);
    return json.value;
  });
}

describe('spliced YAML additions', () => {
  const cases = {
    'every workload kind, comments, flow and block styles': readFileSync(new URL('../../../test/cli/fixtures/inject/workloads.yaml', import.meta.url), 'utf8'),
    'a List with indented lists': readFileSync(new URL('../../../test/cli/fixtures/inject/list.yaml', import.meta.url), 'utf8'),
    'a last line without a newline, and a block scalar before the insertion point':
      'apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    note: |\n      line one\n      line two\nspec:\n  initContainers:\n  - name: init\n    image: i\n  containers:\n  - name: a\n    image: a\n    command:\n    - sh\n    - -c\n    - |\n      echo hi\n  volumes:\n  - name: v\n    emptyDir: {}',
    'flow collections and nulls (re-serialised instead)': 'apiVersion: v1\nkind: Pod\nmetadata: {name: p, annotations: null}\nspec:\n  containers: [{name: a, image: a, env: null}]\n',
  };
  for (const [name, text] of Object.entries(cases)) {
    it(`mean what the patch means: ${name}`, () => {
      const manifest = parseYamlManifest(text, 'm.yaml');
      const outcomes = injectManifest(manifest, options);
      expect(outcomes.some((outcome) => outcome.decision.outcome === 'injected')).toBe(true);
      const output = manifest.render();
      expect(parseAllDocuments(output).map((document) => document.toJS())).toEqual(injectAsJson(text));
    });
  }
});
