import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { applyPatch } from 'diff';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, type CliRun } from './support/run-cli.ts';

/**
 * The real `sidecar-injector inject` process on fixture manifests, compared with golden
 * output: stdout is the manifest, stderr what was done to each pod, then the exit code.
 * UPDATE_GOLDEN=1 rewrites the golden files; the diff is then read and committed by a person.
 */
const FIXTURES = 'test/cli/fixtures/inject';
const TEMPLATES = 'test/fixtures/sidecars.yaml';
const cases = readdirSync(FIXTURES).filter((file) => /\.(ya?ml|json)$/.test(file) && !file.includes('.golden.'));
const scratch = mkdtempSync(join(tmpdir(), 'cli-inject-'));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function inject(file: string, extra: readonly string[] = []): Promise<CliRun> {
  return runCli(['inject', '-f', file, '--config', TEMPLATES, '-n', 'staging', ...extra]);
}

function golden(file: string, suffix: string, actual: string): string {
  const path = join(FIXTURES, file.replace(/\.(ya?ml|json)$/, `.golden.${suffix}`));
  if (process.env['UPDATE_GOLDEN'] === '1') writeFileSync(path, actual);
  if (!existsSync(path)) throw new Error(`missing ${path}; run UPDATE_GOLDEN=1 npx vitest run test/cli and review it`);
  return readFileSync(path, 'utf8');
}

describe('sidecar-injector inject on fixture manifests', () => {
  for (const file of cases) {
    it(`${file} gives its golden output`, async () => {
      const run = await inject(join(FIXTURES, file));
      const extension = file.endsWith('.json') ? 'json' : 'yaml';
      expect(run.stdout).toBe(golden(file, extension, run.stdout));
      expect(`${run.stderr}exit ${run.code}\n`).toBe(golden(file, 'stderr', `${run.stderr}exit ${run.code}\n`));
    });
  }

  it('changes nothing on a second run: its own output is already injected', async () => {
    for (const file of ['workloads.yaml', 'kubectl-list.json', 'list.yaml', 'governed.yaml']) {
      const first = await inject(join(FIXTURES, file));
      const again = await runCli(['inject', '-f', '-', '--config', TEMPLATES, '-n', 'staging'], { input: first.stdout });
      expect(again.code).toBe(0);
      expect(again.stdout).toBe(first.stdout);
      expect(again.stderr).not.toMatch(/: injected /);
    }
  });

  it('passes documents that hold no pod through byte for byte, and only adds lines to the others', async () => {
    const source = readFileSync(join(FIXTURES, 'workloads.yaml'), 'utf8');
    const run = await inject(join(FIXTURES, 'workloads.yaml'));
    const sourceDocuments = source.split(/^---\n/m);
    const outputDocuments = run.stdout.split(/^---\n/m);
    expect(outputDocuments).toHaveLength(sourceDocuments.length);
    for (const [index, text] of sourceDocuments.entries()) {
      if (/kind: (Service|ConfigMap)\b|example\.com\/v1|kube-system|inject: "false"/.test(text)) expect(outputDocuments[index]).toBe(text);
      // Every original line is still there, in order (comments and odd spacing included).
      let at = 0;
      const output = outputDocuments[index]!.split('\n');
      for (const line of text.split('\n')) {
        at = output.indexOf(line, at);
        expect(at, `line ${JSON.stringify(line)} of document ${index + 1}`).toBeGreaterThanOrEqual(0);
      }
    }
  });

  it('injects every workload kind, in the namespace and with the pod name the webhook would render', async () => {
    const run = await inject(join(FIXTURES, 'workloads.yaml'));
    const documents = parseAllDocuments(run.stdout).map((document) => document.toJS() as Record<string, unknown>);
    const templateOf = (document: Record<string, unknown>): { spec: { containers: { name: string; args?: string[] }[]; initContainers?: { name: string }[] } } => {
      const spec = document['spec'] as Record<string, unknown> | undefined;
      if (document['kind'] === 'Pod') return document as never;
      if (document['kind'] === 'PodTemplate') return document['template'] as never;
      if (document['kind'] === 'CronJob') return ((spec!['jobTemplate'] as Record<string, unknown>)['spec'] as Record<string, unknown>)['template'] as never;
      return spec!['template'] as never;
    };
    const containers = (kind: string) => templateOf(documents.find((document) => document['kind'] === kind && String(document['apiVersion']).match(/^(v1|apps\/v1|batch\/v1)$/))!).spec.containers;
    for (const kind of ['Pod', 'Deployment', 'DaemonSet', 'ReplicationController', 'CronJob', 'PodTemplate']) {
      expect(
        containers(kind).map((container) => container.name),
        kind,
      ).toContain('log-agent');
    }
    // The pod's own namespace wins over -n; a template's pods are named <workload>-.
    expect(containers('Pod').find((container) => container.name === 'log-agent')!.args).toEqual(['--pod=nginx', '--namespace=shop']);
    expect(containers('Deployment').find((container) => container.name === 'log-agent')!.args).toEqual(['--pod=web-', '--namespace=staging']);
    expect(containers('CronJob').find((container) => container.name === 'log-agent')!.args).toEqual(['--pod=report-', '--namespace=analytics']);
    expect(templateOf(documents.find((document) => document['kind'] === 'StatefulSet')!).spec.initContainers!.map((container) => container.name)).toEqual(['proxy-init', 'proxy', 'migrate']);
    expect(containers('ReplicaSet').map((container) => container.name)).toEqual(['legacy']);
  });

  it('honours the rules an operator sets on a template: parameters, optional sidecars, namespaces, init placement', async () => {
    const run = await inject(join(FIXTURES, 'governed.yaml'));
    expect(run.code).toBe(0);
    const documents = parseAllDocuments(run.stdout).map((document) => document.toJS() as { metadata: { name: string; annotations?: Record<string, string> }; spec: Record<string, unknown> });
    type PodSpec = { containers: { name: string; args?: string[]; ports?: { containerPort: unknown }[]; resources?: unknown }[]; initContainers?: { name: string }[] };
    const pod = (name: string): { metadata: { annotations?: Record<string, string> }; spec: PodSpec } => {
      const document = documents.find((candidate) => candidate.metadata.name === name)!;
      if (!('template' in document.spec)) return document as never;
      return document.spec['template'] as never;
    };
    // A parameter the pod set: typed where the template wants a number, recorded in the status.
    const agent = pod('tuned').spec.containers.find((container) => container.name === 'tuned-agent')!;
    expect(agent.ports![0]!.containerPort).toBe(8080);
    expect(agent.args).toEqual(['--level=debug', '--port', '8080']);
    expect(agent.resources).toEqual({ requests: { cpu: '250m' }, limits: { cpu: '250m' } });
    expect(JSON.parse(pod('tuned').metadata.annotations!['sidecar-injector.io/status']!).parameters).toEqual({ 'tuned-agent': { cpu: '250m', level: 'debug', port: 8080, readOnly: true } });
    // An optional sidecar that clashes with the pod is left out; the rest is injected.
    expect(pod('metrics-app').spec.containers.map((container) => container.name)).toEqual(['app', 'statsd', 'log-agent']);
    expect(run.stderr).toContain('document 2 (Deployment metrics-app), spec.template: sidecar "statsd" (optional) left out: the pod already has a container named "statsd"');
    // A bad value for an optional sidecar's parameter: the default, and a warning naming the annotation.
    expect(pod('counter').spec.containers.find((container) => container.name === 'statsd')!.ports![0]!.containerPort).toBe(8125);
    // Every chosen sidecar left out: the document is not touched.
    const source = readFileSync(join(FIXTURES, 'governed.yaml'), 'utf8').split(/^---\n/m);
    expect(run.stdout.split(/^---\n/m)[3]).toBe(source[3]);
    // Namespaces the template allows, by name and by glob.
    expect(pod('team-web').spec.containers.map((container) => container.name)).toEqual(['web', 'team-agent']);
    expect((documents.find((document) => document.metadata.name === 'platform-sync')!.spec['jobTemplate'] as { spec: { template: { spec: PodSpec } } }).spec.template.spec.containers.map((container) => container.name)).toEqual([
      'sync',
      'team-agent',
    ]);
    // after:migrate and last, among the pod's own init containers.
    expect(pod('db').spec.initContainers!.map((container) => container.name)).toEqual(['migrate', 'wait-for-db', 'seed', 'mesh-init']);
    expect(pod('no-migrate-chosen').spec.initContainers!.map((container) => container.name)).toEqual(['wait-for-db', 'seed']);
  });

  it('reads standard input with -f - and writes -o FILE', async () => {
    const output = join(scratch, 'out.yaml');
    const run = await runCli(['inject', '-f', '-', '--config', TEMPLATES, '-n', 'staging', '-o', output], { input: readFileSync(join(FIXTURES, 'list.yaml'), 'utf8') });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('(stdin): document 1 (Deployment cart), items[0].spec.template: injected log-agent');
    expect(readFileSync(output, 'utf8')).toBe((await inject(join(FIXTURES, 'list.yaml'))).stdout);
  });

  it('uses SIDECAR_CONFIG, else the shipped templates, when --config is not given', async () => {
    const shipped = await runCli(['inject', '-f', join(FIXTURES, 'list.yaml')]);
    expect(shipped.stdout).toContain('image: busybox:1.37');
    const fromEnv = await runCli(['inject', '-f', join(FIXTURES, 'list.yaml')], { env: { SIDECAR_CONFIG: TEMPLATES } });
    expect(fromEnv.stdout).toContain('image: registry.example.com/log-agent:2.4.1');
  });

  it("protects the injector's own namespace, as the webhook does", async () => {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: replica\nspec:\n  containers:\n  - name: app\n    image: app\n';
    const run = await runCli(['inject', '-f', '-', '--config', TEMPLATES, '-n', 'platform', '--injector-namespace', 'platform'], { input: pod });
    expect(run.stdout).toBe(pod);
    expect(run.stderr).toContain('namespace "platform" is never injected');
  });
});

describe('sidecar-injector diff', () => {
  it('prints a unified diff that turns the manifest into the injected one, and --check exits 1', async () => {
    const file = join(FIXTURES, 'workloads.yaml');
    const diff = await runCli(['diff', '-f', file, '--config', TEMPLATES, '-n', 'staging', '--check', '-q']);
    expect(diff.code).toBe(1);
    expect(diff.stdout.split('\n').slice(0, 2)).toEqual([`--- a/${file}`, `+++ b/${file}`]);
    expect(diff.stderr).toBe('');
    expect(applyPatch(readFileSync(file, 'utf8'), diff.stdout)).toBe((await inject(file)).stdout);
  });

  it('names an absolute path as git does, a/ and b/ without a doubled slash', async () => {
    const file = resolve(FIXTURES, 'workloads.yaml');
    const diff = await runCli(['diff', '-f', file, '--config', TEMPLATES, '-n', 'staging', '-q']);
    expect(diff.stdout.split('\n').slice(0, 2)).toEqual([`--- a${file}`, `+++ b${file}`]);
  });

  it('prints nothing and exits 0 when nothing would change', async () => {
    const run = await runCli(['diff', '-f', join(FIXTURES, 'already-injected.yaml'), '--config', TEMPLATES, '--check']);
    expect(run).toMatchObject({ code: 0, stdout: '' });
  });

  it('exits 0 with changes when --check is not given', async () => {
    const run = await runCli(['diff', '-f', join(FIXTURES, 'list.yaml'), '--config', TEMPLATES]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('+        - name: log-agent');
  });
});

describe('sidecar-injector command line', () => {
  it('has --help on the program and every command, exit 0', async () => {
    const program = await runCli(['--help']);
    expect(program.code).toBe(0);
    for (const command of ['inject', 'diff', 'validate', 'report']) {
      expect(program.stdout).toContain(command);
      const help = await runCli([command, '--help']);
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(new RegExp(`^Usage: sidecar-injector ${command} \\[options\\]`));
    }
    expect(program.stdout).toContain('Exit codes:');
  });

  it('answers a usage error with exit 2 and a hint', async () => {
    for (const args of [['inject'], ['inject', '-f', 'x', '--bogus'], ['frobnicate'], ['report', '-o', 'xml'], ['report', '--chunk-size', '0'], ['report', '-n', 'a', '-A']]) {
      const run = await runCli(args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/error: .+\n\(add --help for usage\)\n$/);
    }
  });

  it('names the file when it cannot be read, exit 3', async () => {
    const run = await runCli(['inject', '-f', 'no/such/manifest.yaml', '--config', TEMPLATES]);
    expect(run).toMatchObject({ code: 3, stdout: '', stderr: 'error: cannot read no/such/manifest.yaml: no such file\n' });
  });

  it("refuses invalid templates with the service's own messages (file, entry, field), exit 3", async () => {
    const templates = join(scratch, 'bad-templates.yaml');
    writeFileSync(templates, 'sidecars:\n  - name: Bad_Name\n    containers: []\n');
    const run = await runCli(['inject', '-f', join(FIXTURES, 'list.yaml'), '--config', templates]);
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(`error: ${templates}: sidecars[0] (Bad_Name).name: must be a DNS label`);
  });
});
