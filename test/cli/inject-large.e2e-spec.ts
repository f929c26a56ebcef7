import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../src/injection/sidecar-config-parser.ts';
import { injectManifest } from '../../src/cli/manifests/inject-manifest.ts';
import { parseManifest } from '../../src/cli/manifests/parse-manifest.ts';
import { cliInjectionPolicy } from '../../src/cli/templates/injection-policy.ts';
import { runCli } from './support/run-cli.ts';

/**
 * A manifest over 1 MiB is injected on several threads, each given whole documents. The
 * process must give exactly what one thread gives in process, and number documents and
 * lines in its messages as in the whole file.
 */
const TEMPLATES = 'test/fixtures/sidecars.yaml';
const scratch = mkdtempSync(join(tmpdir(), 'cli-large-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function documentText(index: number): string {
  if (index % 7 === 3) return `# service ${index}\napiVersion: v1\nkind: Service\nmetadata:\n  name: s-${index}\nspec:\n  ports: [{port: 80}]\n`;
  return `# workload ${index}\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d-${index}\nspec:\n  template:\n    metadata:\n      labels: {app: d-${index}}\n    spec:\n      containers:\n      - name: app\n        image: registry.example.com/app:${index}\n        args: ["--id", "${index}"]\n`;
}

/** A bare first document (no `---`), comments, then documents each after `---`. */
function manifest(count: number, broken?: number): string {
  return Array.from({ length: count }, (_, index) => (index + 1 === broken ? 'apiVersion: v1\nkind: Pod\nkind: Pod\n' : documentText(index))).join('---\n');
}

describe('inject on a large manifest', () => {
  it('gives on several threads exactly the output and messages of one', async () => {
    const text = manifest(6000);
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const file = join(scratch, 'large.yaml');
    writeFileSync(file, text);
    const run = await runCli(['inject', '-f', file, '--config', TEMPLATES, '-n', 'big']);
    expect(run.code).toBe(0);

    const config = parseSidecarConfig(readFileSync(TEMPLATES, 'utf8'), TEMPLATES);
    const oneThread = parseManifest(text, file);
    const outcomes = injectManifest(oneThread, { config, policy: cliInjectionPolicy('sidecar-injector'), namespace: 'big' });
    expect(run.stdout).toBe(oneThread.render());
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(outcomes.length);
    expect(lines.at(-1)).toBe(`${file}: document 6000 (Deployment d-5999), spec.template: injected log-agent`);
  });

  it('names the document and the line of a YAML error far into the file', async () => {
    // Past the first thread's share of the file.
    const text = manifest(6000, 4500);
    expect(text.length).toBeGreaterThan(1024 * 1024);
    const file = join(scratch, 'broken.yaml');
    writeFileSync(file, text);
    const line = text.slice(0, text.indexOf('kind: Pod\nkind: Pod')).split('\n').length + 1;
    const run = await runCli(['inject', '-f', file, '--config', TEMPLATES]);
    expect(run).toMatchObject({ code: 3, stdout: '', stderr: `error: ${file}: document 4500, line ${line}, column 1: Map keys must be unique\n` });
  });
});
