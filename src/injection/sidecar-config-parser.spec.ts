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

  it('turns native sidecars into restartPolicy: Always init containers, kept apart from the template init containers', () => {
    const config = parseSidecarConfig(minimal('    native: true\n    initContainers: [{ name: setup, image: setup:1 }]\n    containers: [{ name: agent, image: agent:1 }]\n'));
    const parts = config.sidecars.get('agent')!.render(context);
    expect(parts.containers).toEqual([]);
    expect(parts.initContainers).toEqual([{ name: 'setup', image: 'setup:1' }]);
    expect(parts.nativeSidecars).toEqual([{ name: 'agent', image: 'agent:1', restartPolicy: 'Always' }]);
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

  it("keeps a sidecar's hash when only who gets it changes (default, namespaces, required), but not the file's", () => {
    const containers = '    containers: [{ name: agent, image: agent:1 }]\n';
    const plain = parseSidecarConfig(minimal(containers));
    const governed = parseSidecarConfig(minimal(`    default: true\n    required: false\n    namespaces: [team-*]\n${containers}`));
    // A pod injected before the edit carries exactly what one injected after it would: report must not call it outdated.
    expect(governed.sidecars.get('agent')!.hash).toBe(plain.sidecars.get('agent')!.hash);
    // The file did change: a reload takes it, and the logged version moves.
    expect(governed.hash).not.toBe(plain.hash);
    expect(parseSidecarConfig(minimal(`    native: true\n${containers}`)).sidecars.get('agent')!.hash).not.toBe(plain.sidecars.get('agent')!.hash);
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
    ['an annotation under our prefix', minimal('    annotations: { sidecar-injector.io/status: x }\n'), "keys under sidecar-injector.io/ are the injector's own"],
    ['a template variable in an image', minimal('    containers: [{ name: agent, image: "agent:{{ pod.name }}" }]\n'), 'containers[0].image: template variables are not allowed in an image'],
    ['an unknown template variable', minimal('    env: [{ name: A, value: "{{ pod.annotations }}" }]\n'), 'unknown template variable "{{ pod.annotations }}"'],
    ['a boolean written as a string', minimal('    default: "yes"\n'), 'sidecars[0] (agent).default: must be true or false'],
    ['an infinite number', minimal('    containers: [{ name: agent, image: a:1, ports: [{ containerPort: .inf }] }]\n'), 'containers[0].ports[0].containerPort: must be a finite number'],
  ])('rejects %s, naming the entry and field', (_case, text, expected) => {
    expect(problemsOf(text).join('\n')).toContain(expected);
  });

  it('reads parameters, namespaces, required and initPlacement, and folds defaults into a shared rendering', () => {
    const config = parseSidecarConfig(
      minimal(`    required: false
    namespaces: [team-a, "platform-*"]
    initPlacement: after:migrate
    parameters:
      cpu: { type: quantity, default: 100m, max: 1 }
      port: { type: integer, default: 9000, min: 1024 }
      debug: { type: boolean, default: false, description: more logs }
      level: { type: string, enum: [info, debug], default: info }
    initContainers: [{ name: setup, image: setup:1 }]
    containers:
      - name: agent
        image: agent:1
        args: ["--level={{ params.level }}", "{{ params.port }}"]
        ports: [{ containerPort: "{{ params.port }}" }]
        env: [{ name: PORT, value: "{{ params.port }}" }, { name: DEBUG, value: "{{ params.debug }}" }]
        resources: { requests: { cpu: "{{ params.cpu }}" } }
        stdin: "{{ params.debug }}"
`),
    );
    const agent = config.sidecars.get('agent')!;
    expect(agent).toMatchObject({ required: false, initPlacement: { kind: 'after', container: 'migrate' }, defaultParameters: { cpu: '100m', port: 9000, debug: false, level: 'info' } });
    expect(agent.namespaces!.allows('platform-x')).toBe(true);
    const defaults = agent.render(context);
    // Typed where Kubernetes wants a number or a boolean; text in args and env values.
    expect(defaults.containers[0]).toEqual({
      name: 'agent',
      image: 'agent:1',
      args: ['--level=info', '9000'],
      ports: [{ containerPort: 9000 }],
      env: [
        { name: 'PORT', value: '9000' },
        { name: 'DEBUG', value: 'false' },
      ],
      resources: { requests: { cpu: '100m' } },
      stdin: false,
    });
    expect(agent.render({ ...context, podName: 'other' })).toBe(defaults);
    const tuned = agent.render(context, { ...agent.defaultParameters, port: 8080, debug: true, cpu: '250m' });
    expect(tuned.containers[0]).toMatchObject({ args: ['--level=info', '8080'], ports: [{ containerPort: 8080 }], stdin: true, resources: { requests: { cpu: '250m' } } });
    expect(Object.isFrozen(tuned.initContainers)).toBe(true);
  });

  it('checks a pod value against the declaration: type, bounds, enum', () => {
    const config = parseSidecarConfig(
      minimal(
        '    parameters:\n      cpu: { type: quantity, default: 100m, min: 10m, max: "1" }\n      port: { type: integer, default: 9000, min: 1024, max: 65535 }\n      level: { type: string, enum: [info, debug], default: info }\n      on: { type: boolean, default: true }\n',
      ),
    );
    const read = (name: string, text: string) => config.sidecars.get('agent')!.parameters.get(name)!.read(text);
    expect(read('cpu', ' 250m ')).toEqual({ value: '250m' });
    expect(read('cpu', '2')).toEqual({ problem: '2 is above the maximum 1' });
    expect(read('cpu', '1m')).toEqual({ problem: '1m is below the minimum 10m' });
    expect(read('cpu', '250 m')).toEqual({ problem: '"250 m" is not a Kubernetes quantity' });
    expect(read('port', '8080')).toEqual({ value: 8080 });
    expect(read('port', '80')).toEqual({ problem: '80 is below the minimum 1024' });
    expect(read('port', '8080.5')).toEqual({ problem: '"8080.5" is not an integer' });
    expect(read('port', '99999999999999999999')).toEqual({ problem: '"99999999999999999999" is not an integer' });
    expect(read('level', 'debug')).toEqual({ value: 'debug' });
    expect(read('level', 'trace')).toEqual({ problem: '"trace" is not one of info, debug' });
    expect(read('on', 'false')).toEqual({ value: false });
    expect(read('on', 'no')).toEqual({ problem: '"no" is not true or false' });
    expect(config.sidecars.get('agent')!.parameters.get('port')!.allowed).toBe('an integer from 1024 to 65535');
  });

  it.each([
    ['a parameter without type', '    parameters: { cpu: { default: 1 } }\n', 'parameters.cpu.type: must be one of string, integer, quantity, boolean'],
    ['a parameter without default', '    parameters: { cpu: { type: quantity } }\n', 'parameters.cpu.default: is required'],
    ['a default out of bounds', '    parameters: { port: { type: integer, default: 80, min: 1024 } }\n', 'parameters.port.default: 80 is below the minimum 1024'],
    ['a default not in the enum', '    parameters: { level: { type: string, enum: [a, b], default: c } }\n', 'parameters.level.default: "c" is not one of a, b'],
    ['a bad quantity', '    parameters: { cpu: { type: quantity, default: 1 core } }\n', 'parameters.cpu.default: must be a Kubernetes quantity'],
    ['min above max', '    parameters: { cpu: { type: quantity, default: 1, min: 2, max: 1 } }\n', 'parameters.cpu: min (2) is greater than max (1)'],
    ['a field of another type', '    parameters: { on: { type: boolean, default: true, max: 1 } }\n', 'parameters.on.max: unknown field for a boolean parameter'],
    ['a bad parameter name', '    parameters: { 9lives: { type: boolean, default: true } }\n', 'parameters.9lives: parameter names start with a letter'],
    ['an annotation name too long', `    parameters: { ${'p'.repeat(60)}: { type: boolean, default: true } }\n`, 'would be longer than Kubernetes allows'],
    ['an undeclared parameter', '    env: [{ name: A, value: "{{ params.cpu }}" }]\n', 'env[0].value: unknown template variable "{{ params.cpu }}" (declare it under parameters)'],
    ['required as a string', '    required: "no"\n', 'sidecars[0] (agent).required: must be true or false'],
    ['namespaces as a string', '    namespaces: team-a\n', 'sidecars[0] (agent).namespaces: must be a non-empty list'],
    ['a bad initPlacement', '    initPlacement: middle\n    initContainers: [{ name: a, image: a:1 }]\n', 'initPlacement: must be first, last, before:<init container> or after:<init container>'],
    ['initPlacement without init containers', '    initPlacement: last\n', 'initPlacement: places initContainers, but this template has none'],
    [
      'a container mounting one path twice',
      '    volumes: [{ name: v, emptyDir: {} }]\n    containers: [{ name: a, image: a:1, volumeMounts: [{ name: v, mountPath: /x }, { name: v, mountPath: /x }] }]\n',
      'containers[0].volumeMounts: duplicate mountPath "/x"',
    ],
  ])('rejects %s, naming the entry and field', (_case, entry, expected) => {
    expect(problemsOf(minimal(entry)).join('\n')).toContain(expected);
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
