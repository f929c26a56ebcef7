import { readFileSync } from 'node:fs';
import jsonpatch, { type Operation } from 'fast-json-patch';
import { describe, expect, it } from 'vitest';
import type { AdmissionRequest } from './admission-review.ts';
import { toAdmissionResponse } from './admission-response.ts';
import { parseInjectionStatus } from './injection-status.ts';
import { decideInjection, type InjectionDecision } from './injector.ts';
import type { Pod } from './kubernetes-types.ts';
import { parseSidecarConfig } from './sidecar-config-parser.ts';

const policy = { protectedNamespaces: new Set(['kube-system']) };

function review(pod: unknown, namespace = 'shop'): AdmissionRequest {
  return { uid: 'u', kind: { group: '', version: 'v1', kind: 'Pod' }, operation: 'CREATE', namespace, object: pod as AdmissionRequest['object'] };
}

function pod(annotations: Record<string, string> = {}, spec: Record<string, unknown> = {}, name = 'web'): Pod {
  return { metadata: { name, annotations }, spec: { containers: [{ name: 'app', image: 'app:1' }], ...spec } } as Pod;
}

function patched(original: Pod, decision: InjectionDecision): Pod {
  if (decision.outcome !== 'injected') throw new Error(`expected an injection, got ${JSON.stringify(decision)}`);
  return jsonpatch.applyPatch(structuredClone(original), decision.patch as Operation[], true, false).newDocument;
}

const initNames = (result: Pod) => (result.spec.initContainers ?? []).map((container) => container.name);

describe(decideInjection.name, () => {
  describe('injection order', () => {
    const config = parseSidecarConfig(`sidecars:
  - name: net-init
    initContainers: [{ name: iptables, image: net-init:1 }]
  - name: agent
    initContainers: [{ name: agent-setup, image: agent:1 }]
    containers: [{ name: agent, image: agent:1 }]
`);

    it('follows the templates file, not the order the pod names them in (issue 12, bug 5)', () => {
      const original = pod({ 'sidecar-injector.io/sidecars': 'agent, net-init' }, { initContainers: [{ name: 'migrate', image: 'app:1' }] });
      expect(initNames(patched(original, decideInjection(review(original), config, policy)))).toEqual(['iptables', 'agent-setup', 'migrate']);
    });

    it('is the same whichever order the pod names them in', () => {
      const one = pod({ 'sidecar-injector.io/sidecars': 'agent,net-init' });
      const other = pod({ 'sidecar-injector.io/sidecars': 'net-init,agent' });
      const [a, b] = [one, other].map((original) => patched(original, decideInjection(review(original), config, policy)));
      expect(a!.spec).toEqual(b!.spec);
      expect(a!.metadata!.annotations!['sidecar-injector.io/status']).toBe(b!.metadata!.annotations!['sidecar-injector.io/status']);
    });
  });

  describe('names that render the same (issue 12, bug 10)', () => {
    const refusalFor = (template: string, name = 'web') => {
      const config = parseSidecarConfig(`sidecars:\n  - name: agent\n    default: true\n${template}`);
      return decideInjection(review(pod({}, {}, name)), config, policy);
    };

    it('refuses two mountPaths of one container that render to the same path, instead of sending them to the apiserver', () => {
      const decision = refusalFor(`    volumes: [{ name: a, emptyDir: {} }, { name: b, emptyDir: {} }]
    containers:
      - name: agent
        image: agent:1
        volumeMounts: [{ name: a, mountPath: "/data/{{ pod.name }}" }, { name: b, mountPath: /data/web }]
`);
      expect(decision).toMatchObject({ outcome: 'refused', reason: 'sidecar-clash' });
      expect((decision as { message: string }).message).toContain('renders two volume mounts in container "agent" at "/data/web"');
    });

    it('injects the same template into a pod whose name makes the paths differ', () => {
      const decision = refusalFor(
        `    volumes: [{ name: a, emptyDir: {} }, { name: b, emptyDir: {} }]
    containers:
      - name: agent
        image: agent:1
        volumeMounts: [{ name: a, mountPath: "/data/{{ pod.name }}" }, { name: b, mountPath: /data/web }]
`,
        'api',
      );
      expect(decision.outcome).toBe('injected');
    });

    it('refuses app mountPaths and variable names that render the same, naming the sidecar', () => {
      const mounts = refusalFor(`    volumes: [{ name: a, emptyDir: {} }, { name: b, emptyDir: {} }]
    volumeMounts: [{ name: a, mountPath: "/logs/{{ pod.name }}" }, { name: b, mountPath: /logs/web }]
`);
      expect(mounts).toMatchObject({ outcome: 'refused', reason: 'sidecar-clash', message: 'sidecar "agent" renders two volume mounts at "/logs/web" for this pod' });
      const env = refusalFor(`    containers: [{ name: agent, image: agent:1, env: [{ name: "HOME_{{ pod.name }}", value: a }, { name: HOME_web, value: b }] }]\n`);
      expect(env).toMatchObject({ outcome: 'refused', reason: 'sidecar-clash', message: 'sidecar "agent" renders two environment variables in container "agent" named "HOME_web" for this pod' });
    });
  });

  describe('templates an operator governs (issue 15)', () => {
    const config = parseSidecarConfig(`sidecars:
  - name: agent
    parameters:
      port: { type: integer, default: 9000, min: 1024, max: 65535 }
    containers: [{ name: agent, image: agent:1, ports: [{ containerPort: "{{ params.port }}" }] }]
  - name: extra
    required: false
    parameters:
      port: { type: integer, default: 8125, min: 1024, max: 65535 }
    containers: [{ name: extra, image: extra:1, ports: [{ containerPort: "{{ params.port }}" }] }]
  - name: team
    namespaces: [team-a, "platform-*"]
    default: true
    containers: [{ name: team, image: team:1 }]
  - name: team-optional
    required: false
    namespaces: [team-a]
    containers: [{ name: team-optional, image: team:1 }]
  - name: mem-cache
    required: false
    volumes: [{ name: cache, emptyDir: { medium: Memory } }]
  - name: disk-cache
    volumes: [{ name: cache, emptyDir: {} }]
  - name: later-cache
    required: false
    volumes: [{ name: cache, emptyDir: { sizeLimit: 1Gi } }]
  - name: setup
    initPlacement: before:migrate
    initContainers: [{ name: setup, image: setup:1 }]
`);
    const decide = (annotations: Record<string, string>, namespace = 'team-a', spec: Record<string, unknown> = {}) => {
      const original = pod(annotations, spec);
      return { original, decision: decideInjection(review(original, namespace), config, policy) };
    };
    const port = 'sidecar-injector.io/params.agent.port';

    it('renders a pod-set parameter, typed, and records it in the status annotation', () => {
      const { original, decision } = decide({ 'sidecar-injector.io/sidecars': 'agent', [port]: '8080' });
      const result = patched(original, decision);
      expect(result.spec.containers[1]).toMatchObject({ name: 'agent', ports: [{ containerPort: 8080 }] });
      expect(parseInjectionStatus(result.metadata!.annotations)!.parameters).toEqual({ agent: { port: 8080 } });
    });

    it('refuses a pod whose parameter for a required sidecar is out of bounds, naming the annotation and what is allowed', () => {
      expect(decide({ 'sidecar-injector.io/sidecars': 'agent', [port]: '80' }).decision).toEqual({
        outcome: 'refused',
        reason: 'invalid-parameter',
        message: `annotation ${port}: 80 is below the minimum 1024 (allowed: an integer from 1024 to 65535)`,
        warnings: [],
      });
    });

    it('injects an optional sidecar with the default instead, and says so', () => {
      const { original, decision } = decide({ 'sidecar-injector.io/sidecars': 'extra', 'sidecar-injector.io/params.extra.port': '80' });
      expect(patched(original, decision).spec.containers[1]).toMatchObject({ ports: [{ containerPort: 8125 }] });
      expect(decision.warnings).toEqual(['annotation sidecar-injector.io/params.extra.port: 80 is below the minimum 1024; the default 8125 was used']);
    });

    it('refuses a required sidecar a pod asks for outside its namespaces, and leaves out an optional one', () => {
      expect(decide({ 'sidecar-injector.io/sidecars': 'team' }, 'shop').decision).toMatchObject({
        outcome: 'refused',
        reason: 'namespace-not-allowed',
        message: 'sidecar "team" may not be used in namespace "shop" (allowed: team-a, platform-*)',
      });
      const { decision } = decide({ 'sidecar-injector.io/sidecars': 'agent,team-optional' }, 'platform-x');
      expect(decision).toMatchObject({ outcome: 'injected', sidecars: ['agent'], dropped: [{ name: 'team-optional', reason: 'may not be used in namespace "platform-x" (allowed: team-a)' }] });
      expect(decision.warnings).toEqual(['sidecar "team-optional" (optional) left out: may not be used in namespace "platform-x" (allowed: team-a)']);
    });

    it('applies a default template only where it is allowed, silently', () => {
      expect(decide({}, 'platform-payments').decision).toMatchObject({ outcome: 'injected', sidecars: ['team'] });
      expect(decide({}, 'shop').decision).toEqual({ outcome: 'skipped', reason: 'nothing-selected', message: 'no default sidecar may be used in namespace "shop"', warnings: [], dropped: [] });
    });

    it('skips a pod whose only sidecars were optional and dropped, with the reasons', () => {
      expect(decide({ 'sidecar-injector.io/sidecars': 'team-optional' }, 'shop').decision).toMatchObject({ outcome: 'skipped', reason: 'all-dropped', dropped: [{ name: 'team-optional' }] });
    });

    it('drops the optional side of a clash between templates, whichever comes first in the file', () => {
      expect(decide({ 'sidecar-injector.io/sidecars': 'mem-cache,disk-cache' }).decision).toMatchObject({
        outcome: 'injected',
        sidecars: ['disk-cache'],
        dropped: [{ name: 'mem-cache', reason: 'defines volume "cache" unlike sidecar "disk-cache"' }],
      });
      expect(decide({ 'sidecar-injector.io/sidecars': 'disk-cache,later-cache' }).decision).toMatchObject({ sidecars: ['disk-cache'], dropped: [{ name: 'later-cache' }] });
      // Both optional: the later one in the file goes.
      expect(decide({ 'sidecar-injector.io/sidecars': 'mem-cache,later-cache' }).decision).toMatchObject({ sidecars: ['mem-cache'], dropped: [{ name: 'later-cache' }] });
    });

    it('drops an optional sidecar that clashes with the pod, and refuses a required one', () => {
      const own = {
        containers: [
          { name: 'app', image: 'app:1' },
          { name: 'extra', image: 'mine:1' },
          { name: 'agent', image: 'mine:1' },
        ],
      };
      expect(decide({ 'sidecar-injector.io/sidecars': 'extra' }, 'team-a', own).decision).toMatchObject({
        outcome: 'skipped',
        reason: 'all-dropped',
        dropped: [{ name: 'extra', reason: 'the pod already has a container named "extra" (in spec.containers)' }],
      });
      expect(decide({ 'sidecar-injector.io/sidecars': 'agent' }, 'team-a', own).decision).toMatchObject({ outcome: 'refused', reason: 'pod-conflict' });
    });

    it('places init containers next to the pod container named, or first with a warning when there is none', () => {
      const spec = {
        initContainers: [
          { name: 'fetch', image: 'x:1' },
          { name: 'migrate', image: 'x:1' },
        ],
      };
      const { original, decision } = decide({ 'sidecar-injector.io/sidecars': 'setup' }, 'team-a', spec);
      expect(initNames(patched(original, decision))).toEqual(['fetch', 'setup', 'migrate']);
      const alone = decide({ 'sidecar-injector.io/sidecars': 'setup' }, 'team-a', { initContainers: [{ name: 'fetch', image: 'x:1' }] });
      expect(initNames(patched(alone.original, alone.decision))).toEqual(['setup', 'fetch']);
      expect(alone.decision.warnings).toEqual(['sidecar "setup": no init container "migrate" in the pod for before:migrate; placed first']);
    });
  });

  describe("warnings for the pod's author (issue 11)", () => {
    const config = parseSidecarConfig(`sidecars:
  - name: log-agent
    default: true
    containers: [{ name: log-agent, image: agent:1 }]
    volumes: [{ name: logs, emptyDir: {} }]
    volumeMounts: [{ name: logs, mountPath: /logs }]
    env: [{ name: LOG_DIR, value: /logs }]
`);

    it('tells which env and mounts the pod overrode, one line per cause', () => {
      const original = pod(
        {},
        {
          containers: [
            { name: 'a', image: 'a:1', env: [{ name: 'LOG_DIR', value: '/own' }], volumeMounts: [{ name: 'own', mountPath: '/logs' }] },
            { name: 'b', image: 'b:1', env: [{ name: 'LOG_DIR', value: '/own' }] },
          ],
          volumes: [{ name: 'own', emptyDir: {} }],
        },
      );
      expect(decideInjection(review(original), config, policy).warnings).toEqual([
        'containers "a", "b" set LOG_DIR already; sidecar "log-agent" did not add its own',
        'container "a" already mounts /logs; sidecar "log-agent" did not mount its volume there',
      ]);
    });

    it('says nothing when the pod already holds exactly what the template adds', () => {
      const original = pod({}, { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'LOG_DIR', value: '/logs' }], volumeMounts: [{ name: 'logs', mountPath: '/logs' }] }] });
      expect(decideInjection(review(original), config, policy).warnings).toEqual([]);
    });

    it('tells the author a chosen sidecar was already in the pod', () => {
      const original = pod(
        {},
        {
          containers: [
            { name: 'app', image: 'app:1' },
            { name: 'log-agent', image: 'agent:1' },
          ],
        },
      );
      const decision = decideInjection(review(original), config, policy);
      expect(decision.warnings).toEqual(['sidecar "log-agent" is already in the pod (container "log-agent"); not added again']);
      expect(patched(original, decision).spec.containers.map((container) => container.name)).toEqual(['app', 'log-agent']);
    });

    it('tells the author a status annotation names sidecars the pod lacks (a copied manifest)', () => {
      const status = { 'sidecar-injector.io/status': '{"sidecars":{"log-agent":"0123456789ab","gone":"x"}}' };
      expect(decideInjection(review(pod(status)), config, policy)).toMatchObject({
        outcome: 'skipped',
        reason: 'already-injected',
        warnings: ['sidecar-injector.io/status names sidecar "log-agent" but its container "log-agent" is missing; not injected again'],
      });
      const carrying = pod(status, {
        containers: [
          { name: 'app', image: 'app:1' },
          { name: 'log-agent', image: 'agent:1' },
        ],
      });
      expect(decideInjection(review(carrying), config, policy).warnings).toEqual([]);
    });

    it('never changes the answer: the response is the same with its warnings taken away', () => {
      const original = pod({}, { containers: [{ name: 'a', image: 'a:1', env: [{ name: 'LOG_DIR', value: '/own' }] }] });
      const decision = decideInjection(review(original), config, policy);
      expect(decision.warnings).toHaveLength(1);
      const { warnings, ...rest } = toAdmissionResponse('u', decision);
      expect(warnings).toEqual(decision.warnings);
      expect(rest).toEqual(toAdmissionResponse('u', { ...decision, warnings: [] }));
    });
  });

  it("does what the README's complete example says", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const example = /A complete example[^\n]*\n\n```yaml\n([\s\S]*?)```/.exec(readme)![1]!;
    const config = parseSidecarConfig(example, 'README.md');
    const original = pod({ 'sidecar-injector.io/sidecars': 'log-agent', 'sidecar-injector.io/params.log-agent.cpu': '250m' }, { initContainers: [{ name: 'migrate', image: 'app:1' }] });
    const result = patched(original, decideInjection(review(original, 'team-a'), config, policy));
    expect(result.spec.containers[1]).toMatchObject({
      ports: [{ containerPort: 9000 }],
      env: [{ name: 'AGENT_PORT', value: '9000' }],
      resources: { requests: { cpu: '250m' } },
      args: ['--level=info', '--json=false', '--pod=web'],
    });
    expect(initNames(result)).toEqual(['log-setup', 'migrate']);
    expect(decideInjection(review(original, 'shop'), config, policy)).toMatchObject({ outcome: 'skipped', reason: 'all-dropped' });
  });
});
