import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import { renderNamespace } from './render-namespace.ts';

const config = parseSidecarConfig(`sidecars:
  - name: anywhere
    containers: [{ name: a, image: a:1 }]
  - name: named
    namespaces: [team-a, "platform-*"]
    containers: [{ name: b, image: b:1 }]
  - name: globbed
    namespaces: ["*-data-?"]
    containers: [{ name: c, image: c:1 }]
`);
const sidecar = (name: string) => config.sidecars.get(name)!;

describe(renderNamespace.name, () => {
  it("keeps the dry run's namespace when the template may be used there", () => {
    expect(renderNamespace(sidecar('anywhere'), 'demo')).toBe('demo');
    expect(renderNamespace(sidecar('named'), 'platform-ci')).toBe('platform-ci');
  });

  it('otherwise renders for the first namespace the template allows, a glob made a name it matches', () => {
    expect(renderNamespace(sidecar('named'), 'demo')).toBe('team-a');
    const name = renderNamespace(sidecar('globbed'), 'demo');
    expect(name).toBe('x-data-x');
    expect(sidecar('globbed').namespaces!.allows(name)).toBe(true);
  });
});
