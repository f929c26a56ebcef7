import { describe, expect, it } from 'vitest';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import { describeValues, parameterSettings } from './parameter-settings.ts';

const config = parseSidecarConfig(`sidecars:
  - name: tuned
    parameters:
      cpu: { type: quantity, default: 100m, min: 10m, max: 1 }
      level: { type: string, enum: [debug, info, warn, error], default: info }
      port: { type: integer, default: 9000, max: 65535 }
      name: { type: string, default: agent }
      readOnly: { type: boolean, default: true }
    containers: [{ name: tuned, image: tuned:1, args: ["{{ params.cpu }}", "{{ params.level }}", "{{ params.port }}", "{{ params.name }}", "{{ params.readOnly }}"] }]
  - name: plain
    containers: [{ name: plain, image: plain:1 }]
`);

describe(parameterSettings.name, () => {
  it('tries the defaults, every bound at once, then each enum value no setting has tried', () => {
    const settings = parameterSettings(config.sidecars.get('tuned')!);
    expect(settings.map((setting) => [setting.label, describeValues(setting)])).toEqual([
      ['defaults', 'cpu=100m, level=info, port=9000, name=agent, readOnly=true'],
      // port has no minimum and name no bound: they stay at their defaults.
      ['minimums', 'cpu=10m, level=debug, port=9000, name=agent, readOnly=false'],
      ['maximums', 'cpu=1, level=error, port=65535, name=agent, readOnly=true'],
      // info, debug and error were tried above.
      ['level=warn', 'cpu=100m, level=warn, port=9000, name=agent, readOnly=true'],
    ]);
  });

  it('sets each value with the annotation a pod would write, and nothing for the defaults', () => {
    const [defaults, minimums] = parameterSettings(config.sidecars.get('tuned')!);
    expect(defaults!.annotations).toEqual({});
    expect(minimums!.annotations).toEqual({
      'sidecar-injector.io/params.tuned.cpu': '10m',
      'sidecar-injector.io/params.tuned.level': 'debug',
      'sidecar-injector.io/params.tuned.readOnly': 'false',
    });
  });

  it('gives a template without parameters its defaults only', () => {
    expect(parameterSettings(config.sidecars.get('plain')!)).toEqual([{ label: 'defaults', annotations: {}, values: {} }]);
  });
});

describe('parameterSettings with an enum whose lowest value is its default', () => {
  it('leaves out a setting that equals the defaults', () => {
    const pulled = parseSidecarConfig(`sidecars:
  - name: pulled
    parameters:
      pull: { type: string, enum: [Always, Sometimes, IfNotPresent], default: Always }
    containers: [{ name: pulled, image: pulled:1, imagePullPolicy: "{{ params.pull }}" }]
`).sidecars.get('pulled')!;
    expect(parameterSettings(pulled).map((setting) => setting.label)).toEqual(['defaults', 'maximums', 'pull=Sometimes']);
  });
});
