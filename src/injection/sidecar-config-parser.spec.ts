import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_SIDECAR_CONFIG } from '../config/app-config.ts';
import { parseSidecarConfig, SidecarConfigError } from './sidecar-config-parser.ts';

const context = { podName: 'web-1', namespace: 'shop', serviceAccountName: 'web' };

function problemsOf(text: string): readonly string[] {
  try {
    parseSidecarConfig(text, 'test.yaml');
  } catch (error) {
    if (error instanceof SidecarConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected the config to be rejected');
}

const minimal = (entry: string) => `sidecars:\n  - name: agent\n${entry}`;

describe(parseSidecarConfig.name, () => {
  it('loads the example shipped as the default SIDECAR_CONFIG', () => {
    const config = parseSidecarConfig(readFileSync(DEFAULT_SIDECAR_CONFIG, 'utf8'));
    expect([...config.sidecars.keys()]).toEqual(['log-agent', 'proxy']);
    expect(config.defaults).toEqual(['log-agent']);
    expect(config.warnings).toEqual([]);
  });

  it('loads JSON, which is YAML too', () => {
    const config = parseSidecarConfig(JSON.stringify({ sidecars: [{ name: 'agent', default: true, containers: [{ name: 'agent', image: 'agent:1' }] }] }));
    expect(config.defaults).toEqual(['agent']);
    expect(config.sidecars.get('agent')!.render(context).containers).toEqual([{ name: 'agent', image: 'agent:1' }]);
  });

  it('turns native sidecars into restartPolicy: Always init containers after the template init containers', () => {
    const config = parseSidecarConfig(
      minimal('    native: true\n    initContainers: [{ name: setup, image: setup:1 }]\n    containers: [{ name: agent, image: agent:1 }]\n'),
    );
    const parts = config.sidecars.get('agent')!.render(context);
    expect(parts.containers).toEqual([]);
    expect(parts.initContainers).toEqual([
      { name: 'setup', image: 'setup:1' },
      { name: 'agent', image: 'agent:1', restartPolicy: 'Always' },
    ]);
  });

  it('renders template variables and keeps templates without them shared and frozen', () => {
    const config = parseSidecarConfig(
      'sidecars:\n  - name: a\n    env: [{ name: WHERE, value: "{{ pod.namespace }}/{{pod.name}} as {{ pod.serviceAccountName }} by {{ sidecar.name }}" }]\n  - name: b\n    env: [{ name: X, value: "{{ sidecar.name }}" }]\n',
    );
    expect(config.sidecars.get('a')!.render(context).env).toEqual([{ name: 'WHERE', value: 'shop/web-1 as web by a' }]);
    const b = config.sidecars.get('b')!;
    expect(b.render(context)).toBe(b.render({ ...context, podName: 'other' }));
    expect(Object.isFrozen(b.render(context).env[0])).toBe(true);
  });

  it('gives a stable hash that changes with the template', () => {
    const one = parseSidecarConfig(minimal('    containers: [{ name: agent, image: agent:1 }]\n'));
    const same = parseSidecarConfig(minimal('    containers:\n      - image: agent:1\n        name: agent\n'));
    const other = parseSidecarConfig(minimal('    containers: [{ name: agent, image: agent:2 }]\n'));
    expect(same.sidecars.get('agent')!.hash).toBe(one.sidecars.get('agent')!.hash);
    expect(other.sidecars.get('agent')!.hash).not.toBe(one.sidecars.get('agent')!.hash);
  });

  it('warns about container fields it does not know, and keeps them', () => {
    const config = parseSidecarConfig(minimal('    containers: [{ name: agent, image: agent:1, imagePullPolicee: Always }]\n'));
    expect(config.warnings).toEqual(['sidecars[0] (agent).containers[0].imagePullPolicee: not a core/v1 Container field known to this version; passed through as written']);
  });

  it.each([
    ['a list at the top', '- a\n', '(top level): must be a mapping with a "sidecars" list'],
    ['an unknown top-level field', 'sidecars: []\nsidecar: []\n', 'sidecar: unknown field (expected only "sidecars")'],
    ['sidecars not a list', 'sidecars: {}\n', 'sidecars: must be a list of sidecar templates'],
    ['a bad name', 'sidecars:\n  - name: Log_Agent\n', 'sidecars[0] (Log_Agent).name: must be a DNS label: lowercase letters, digits and "-", at most 63 characters'],
    ['a duplicate name', 'sidecars:\n  - name: a\n  - name: a\n', 'sidecars[1] (a).name: duplicate sidecar name "a"'],
    ['an unknown entry field', minimal('    container: []\n'), 'sidecars[0] (agent).container: unknown field'],
    ['a container without image', minimal('    containers: [{ name: agent }]\n'), 'sidecars[0] (agent).containers[0].image: must be a non-empty string'],
    ['restartPolicy on a plain container', minimal('    containers: [{ name: agent, image: a:1, restartPolicy: Always }]\n'), 'containers[0].restartPolicy: is only allowed on init containers'],
    ['a mount of an undeclared volume', minimal('    volumeMounts: [{ name: logs, mountPath: /logs }]\n'), 'volumeMounts[0].name: "logs" is not one of this sidecar\'s volumes'],
    ['a relative mountPath', minimal('    volumes: [{ name: logs, emptyDir: {} }]\n    volumeMounts: [{ name: logs, mountPath: logs }]\n'), 'volumeMounts[0].mountPath: must be an absolute path'],
    ['a volume without source', minimal('    volumes: [{ name: logs }]\n'), 'volumes[0]: needs a volume source'],
    ['a numeric env value', minimal('    env: [{ name: PORT, value: 9090 }]\n'), 'env[0].value: must be a string (quote numbers and booleans)'],
    ['duplicate env', minimal('    env: [{ name: A, value: "1" }, { name: A, value: "2" }]\n'), 'sidecars[0] (agent).env: duplicate variable "A"'],
    ['duplicate container names', minimal('    containers: [{ name: a, image: a:1 }]\n    initContainers: [{ name: a, image: a:1 }]\n'), 'duplicate container name "a"'],
    ['an annotation under our prefix', minimal('    annotations: { sidecar-injector.io/status: x }\n'), 'keys under sidecar-injector.io/ are the injector\'s own'],
    ['a template variable in an image', minimal('    containers: [{ name: agent, image: "agent:{{ pod.name }}" }]\n'), 'containers[0].image: template variables are not allowed in an image'],
    ['an unknown template variable', minimal('    env: [{ name: A, value: "{{ pod.annotations }}" }]\n'), 'unknown template variable "{{ pod.annotations }}"'],
    ['a boolean written as a string', minimal('    default: "yes"\n'), 'sidecars[0] (agent).default: must be true or false'],
    ['an infinite number', minimal('    containers: [{ name: agent, image: a:1, ports: [{ containerPort: .inf }] }]\n'), 'containers[0].ports[0].containerPort: must be a finite number'],
  ])('rejects %s, naming the entry and field', (_case, text, expected) => {
    expect(problemsOf(text).join('\n')).toContain(expected);
  });

  it('reports YAML syntax errors with their position', () => {
    expect(problemsOf('sidecars:\n  - name: [unclosed\n')[0]).toMatch(/line \d+, column \d+/);
  });

  it('refuses duplicate keys instead of silently keeping the last', () => {
    expect(problemsOf('sidecars: []\nsidecars: []\n')[0]).toMatch(/unique/i);
  });

  it('refuses alias bombs instead of expanding them', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]', ...'bcdefgh'.split('').map((key, index) => `${key}: &${key} [${Array(9).fill(`*${'abcdefgh'[index]}`).join(',')}]`), 'sidecars: []'].join('\n');
    expect(problemsOf(bomb).join(' ')).toMatch(/alias/i);
  });
});
