import type { Sidecar } from '../../injection/sidecar-config.ts';
import type { ParameterValue } from '../../injection/template-parameters.ts';

/** One way a pod may set a template's parameters, to render the template with. */
export interface ParameterSetting {
  /** `defaults`, `minimums`, `maximums`, or the one value tried, `level=warn`. */
  readonly label: string;
  /** The pod annotations that set it; none for the defaults. */
  readonly annotations: Readonly<Record<string, string>>;
  /** The value of every declared parameter, in declaration order. */
  readonly values: Readonly<Record<string, ParameterValue>>;
}

/**
 * The values an operator allowed that a dry run should try, since any of them may reach
 * a pod: every parameter at its default; every one at its lowest (min, first enum value,
 * false) and at its highest (max, last enum value, true); then each enum value no setting
 * has tried yet, the others at their defaults. A setting that gives the same values as an
 * earlier one is left out, so a template without parameters has only its defaults.
 */
export function parameterSettings(sidecar: Sidecar): ParameterSetting[] {
  const parameters = [...sidecar.parameters.values()];
  const settings: ParameterSetting[] = [];
  const seen = new Set<string>();
  const add = (label: string, chosen: ReadonlyMap<string, ParameterValue>) => {
    const values: Record<string, ParameterValue> = {};
    const annotations: Record<string, string> = {};
    for (const parameter of parameters) {
      const value = chosen.get(parameter.name);
      values[parameter.name] = value ?? parameter.default;
      if (value !== undefined) annotations[parameter.annotation] = String(value);
    }
    const key = JSON.stringify(values);
    if (seen.has(key)) return;
    seen.add(key);
    settings.push({ label, annotations, values });
  };
  add('defaults', new Map());
  add('minimums', new Map(parameters.flatMap((parameter) => defined(parameter.name, parameter.enum ? parameter.enum[0] : parameter.type === 'boolean' ? false : parameter.min))));
  add('maximums', new Map(parameters.flatMap((parameter) => defined(parameter.name, parameter.enum ? parameter.enum.at(-1) : parameter.type === 'boolean' ? true : parameter.max))));
  for (const parameter of parameters) {
    for (const value of parameter.enum ?? []) {
      if (!settings.some((setting) => setting.values[parameter.name] === value)) add(`${parameter.name}=${String(value)}`, new Map([[parameter.name, value]]));
    }
  }
  return settings;
}

/** `cpu=1, level=warn`: the values a setting gives, for messages. */
export function describeValues(setting: ParameterSetting): string {
  return Object.entries(setting.values)
    .map(([name, value]) => `${name}=${String(value)}`)
    .join(', ');
}

function defined(name: string, value: ParameterValue | undefined): [string, ParameterValue][] {
  return value === undefined ? [] : [[name, value]];
}
