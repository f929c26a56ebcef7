import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSidecarConfig, SidecarConfigError } from '../../../src/injection/sidecar-config-parser.ts';
import { testCluster } from '../../control-plane/test-cluster.ts';
import { FIXTURE_SIDECARS } from '../../support/golden-cases.ts';
import { runCli, type CliRun } from '../support/run-cli.ts';

/**
 * `validate --server` against the real apiserver: every template rendered onto a sample
 * pod and created with server-side dry run and strict field validation.
 */
const cluster = testCluster();
const scratch = mkdtempSync(join(tmpdir(), 'cli-validate-'));
let namespace: string;

/** Three templates the service's parser accepts and the apiserver does not. */
const REFUSED = `sidecars:
  - name: log-agent
    default: true
    containers:
      - name: log-agent
        image: busybox:1.37
        resources:
          requests: { cpu: lots }
  - name: proxy
    containers:
      - name: proxy
        image: envoyproxy/envoy:v1.36.2
        imagePullPolicyy: Always
  - name: metrics
    containers:
      - name: metrics
        image: registry.example.com/metrics:0.9.0
        ports:
          - { name: metrics-exporter-port, containerPort: 9090 }
  - name: fine
    containers:
      - name: fine
        image: registry.example.com/fine:1
`;

/**
 * Templates valid at their defaults that the apiserver refuses at a value an operator
 * allowed: a port bound above 65535, and an enum value that is neither first, last nor
 * the default. Only trying every allowed setting finds them.
 */
const REFUSED_AT_A_SETTING = `sidecars:
  - name: ranged
    parameters:
      port: { type: integer, default: 9000, min: 1024, max: 70000 }
    containers:
      - name: ranged
        image: registry.example.com/ranged:1
        ports: [{ containerPort: "{{ params.port }}" }]
  - name: pulled
    parameters:
      pull: { type: string, enum: [Always, Sometimes, IfNotPresent], default: Always }
    containers:
      - name: pulled
        image: registry.example.com/pulled:1
        imagePullPolicy: "{{ params.pull }}"
`;

/** The new schema's mistakes: a bound of the wrong type, a default outside its bounds, a bad namespace glob, a placement without init containers, an unknown field of a parameter. */
const INVALID_SCHEMA = `sidecars:
  - name: agent
    required: maybe
    parameters:
      cpu: { type: quantity, default: 2, max: 1 }
      port: { type: integer, default: 80, min: low }
      level: { type: string, default: info, choices: [info] }
    namespaces: [Team_A]
    initPlacement: last
    containers:
      - name: agent
        image: registry.example.com/agent:1
        args: ["{{ params.missing }}"]
`;

beforeAll(async () => {
  namespace = await cluster.createNamespace('cli-validate');
});

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function validate(args: readonly string[]): Promise<CliRun> {
  return runCli(['validate', ...args], { env: { KUBECONFIG: cluster.info.kubeconfigPath } });
}

describe('sidecar-injector validate --server', () => {
  it('accepts templates the apiserver accepts, one line per template, each parameter setting and namespace limit tried, exit 0', async () => {
    const run = await validate(['--config', FIXTURE_SIDECARS, '--server', '-n', namespace]);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const lines = run.stdout.trim().split('\n');
    const config = parseSidecarConfig(readFileSync(FIXTURE_SIDECARS, 'utf8'), FIXTURE_SIDECARS);
    expect(lines[0]).toBe(
      `${FIXTURE_SIDECARS}: the service accepts it: 12 sidecars: log-agent (default), proxy, metrics, tracing, profiler, log-shipper, tuned-agent, statsd (optional), team-agent, mesh-init, db-wait, scratch; hash ${config.hash}`,
    );
    const dryRun = `server-side dry run in namespace ${namespace}`;
    const accepted = (index: number, name: string, how = '', note = '') => `${FIXTURE_SIDECARS}: sidecars[${index}] (${name}): accepted by the apiserver${how} (${dryRun}${note})`;
    expect(lines.slice(1)).toEqual([
      ...['log-agent', 'proxy', 'metrics', 'tracing', 'profiler', 'log-shipper'].map((name, index) => accepted(index, name)),
      // Every bound and enum value: level's enum is debug, info (its default), warn; the boolean's lowest is false.
      accepted(6, 'tuned-agent', ' at 3 parameter settings: defaults, minimums, maximums'),
      accepted(7, 'statsd', ' at 3 parameter settings: defaults, minimums, maximums'),
      // Limited to team-a and platform-*: rendered as for a pod of team-a.
      accepted(8, 'team-agent', '', ', rendered as for namespace team-a, which it is limited to'),
      accepted(9, 'mesh-init'),
      // after:migrate: the sample pod has a migrate init container, so no fallback warning.
      accepted(10, 'db-wait'),
      accepted(11, 'scratch'),
    ]);
  });

  it('tries every parameter setting an operator allowed: a bound or an enum value the apiserver refuses is named, exit 1', async () => {
    const file = join(scratch, 'refused-at-a-setting.yaml');
    writeFileSync(file, REFUSED_AT_A_SETTING);
    const run = await validate(['--config', file, '--server', '-n', namespace]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('accepted by the apiserver');
    expect(run.stderr.split('\n').filter((line) => line !== '')).toEqual([
      `error: ${file}: sidecars[0] (ranged) with port=70000 (maximums): the apiserver refuses it: spec.containers[1].ports[0].containerPort (container "ranged"): Invalid value: 70000: must be between 1 and 65535, inclusive`,
      `error: ${file}: sidecars[1] (pulled) with pull=Sometimes: the apiserver refuses it: spec.containers[1].imagePullPolicy (container "pulled"): Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"`,
    ]);
  });

  it('catches what the apiserver refuses (a bad quantity, an unknown field, an invalid name), naming the entry and container, exit 1', async () => {
    const file = join(scratch, 'refused.yaml');
    writeFileSync(file, REFUSED);
    const run = await validate(['--config', file, '--server', '-n', namespace]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`${file}: sidecars[3] (fine): accepted by the apiserver`);
    const errors = run.stderr.split('\n').filter((line) => line.startsWith('error: '));
    expect(errors).toHaveLength(3);
    expect(errors[0]).toMatch(new RegExp(`^error: ${file}: sidecars\\[0\\] \\(log-agent\\): the apiserver refuses it: .*quantities must match`));
    expect(errors[1]).toBe(`error: ${file}: sidecars[1] (proxy): the apiserver refuses it: Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[1].imagePullPolicyy" (container "proxy")`);
    expect(errors[2]).toBe(`error: ${file}: sidecars[2] (metrics): the apiserver refuses it: spec.containers[1].ports[0].name (container "metrics"): Invalid value: "metrics-exporter-port": must be no more than 15 characters`);
    // The service's own parser only warns about a field it does not know.
    expect(run.stderr).toContain(`warning: ${file}: sidecars[1] (proxy).containers[0].imagePullPolicyy: not a core/v1 Container field known to this version`);
    // Nothing was stored: dry run.
    expect(JSON.parse(await cluster.kubectl(['get', 'pods', '-n', namespace, '-o', 'json'])).items).toEqual([]);
  });

  it('without --server, checks the file as the service loads it: its messages, exit 1', async () => {
    const file = join(scratch, 'invalid.yaml');
    writeFileSync(file, 'sidecars:\n  - name: proxy\n    containers:\n      - name: proxy\n        image: "envoy:{{ pod.name }}"\n');
    const run = await runCli(['validate', '--config', file]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    expect(run.stderr).toBe(`error: ${file}: sidecars[0] (proxy).containers[0].image: template variables are not allowed in an image\n`);
  });

  it('without --server, checks the parameters, namespaces and placement as the service does: every one of its messages, exit 1', async () => {
    const file = join(scratch, 'invalid-schema.yaml');
    writeFileSync(file, INVALID_SCHEMA);
    const run = await runCli(['validate', '--config', file]);
    expect(run).toMatchObject({ code: 1, stdout: '' });
    let problems: readonly string[] = [];
    try {
      parseSidecarConfig(INVALID_SCHEMA, file);
    } catch (error) {
      problems = (error as SidecarConfigError).problems;
    }
    expect(problems.length).toBeGreaterThanOrEqual(6);
    expect(run.stderr).toBe(problems.map((problem) => `error: ${file}: ${problem}\n`).join(''));
    // Each names the entry and the field.
    for (const field of ['required', 'parameters.cpu', 'parameters.port.min', 'parameters.level.choices', 'namespaces[0]', 'initPlacement']) expect(run.stderr).toContain(`: sidecars[0] (agent).${field}`);
  });

  it('exits 4 when the apiserver cannot be reached, 3 when the file cannot be read', async () => {
    const kubeconfig = join(scratch, 'unreachable.kubeconfig');
    writeFileSync(
      kubeconfig,
      'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n',
    );
    const unreachable = await runCli(['validate', '--config', FIXTURE_SIDECARS, '--server', '--kubeconfig', kubeconfig]);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toContain('error: cannot reach the apiserver at https://127.0.0.1:1');
    const missing = await runCli(['validate', '--config', join(scratch, 'absent.yaml')]);
    expect(missing).toMatchObject({ code: 3, stderr: `error: cannot read the sidecar templates ${join(scratch, 'absent.yaml')}: ENOENT\n` });
  });
});
