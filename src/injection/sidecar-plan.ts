import { PARAMS_PREFIX } from './annotations.ts';
import { clipText } from './clip-text.ts';
import type { Pod } from './kubernetes-types.ts';
import { findRenderedClash } from './rendered-clash.ts';
import type { RenderContext, Sidecar, SidecarConfig, SidecarParts } from './sidecar-config.ts';
import type { ParameterValue, ParameterValues } from './template-parameters.ts';

/** A sidecar that will be offered to the merge, rendered for this pod. */
export interface PlannedSidecar {
  readonly sidecar: Sidecar;
  readonly parts: SidecarParts;
  /** Every declared parameter's value for this pod (empty when none is declared). */
  readonly parameters: ParameterValues;
}

export interface DroppedSidecar {
  readonly name: string;
  /** Why it was left out, as a refusal would have said it without naming the sidecar: "may not be used in namespace ...". */
  readonly reason: string;
}

export type PlanRefusal = { readonly reason: 'namespace-not-allowed' | 'invalid-parameter' | 'sidecar-clash'; readonly message: string };

export interface SidecarPlan {
  readonly sidecars: readonly PlannedSidecar[];
  readonly dropped: DroppedSidecar[];
  readonly warnings: string[];
  /** Set when a required sidecar cannot be injected: the pod is refused. */
  readonly refusal?: PlanRefusal;
}

/**
 * Applies each selected template's own rules to this pod, in file order: the namespaces
 * that may use it, its parameters as the pod set them, and names that rendered the same.
 * A required template that breaks one refuses the pod; an optional one is dropped (or,
 * for a bad parameter, rendered with the default), and the pod's author is told.
 */
export function planSidecars(pod: Pod, names: readonly string[], chosen: boolean, config: SidecarConfig, context: RenderContext): SidecarPlan {
  const plan = { sidecars: [] as PlannedSidecar[], dropped: [] as DroppedSidecar[], warnings: [] as string[] };
  const podValues = readParameterAnnotations(pod, plan.warnings);
  for (const name of names) {
    const sidecar = config.sidecars.get(name)!;
    const given = podValues?.get(name);
    podValues?.delete(name);
    if (sidecar.namespaces && !sidecar.namespaces.allows(context.namespace)) {
      // A default template simply does not apply where it is not allowed; only a pod that asked is told.
      if (!chosen) continue;
      const problem = `may not be used in namespace "${clipText(context.namespace, 63)}" (allowed: ${sidecar.namespaces.patterns.join(', ')})`;
      if (sidecar.required) return { ...plan, refusal: { reason: 'namespace-not-allowed', message: `sidecar "${name}" ${problem}` } };
      plan.dropped.push({ name, reason: problem });
      continue;
    }
    let parameters = sidecar.defaultParameters;
    if (given) {
      const resolved = resolveParameters(sidecar, given);
      if (resolved.problems.length > 0) {
        if (sidecar.required) return { ...plan, refusal: { reason: 'invalid-parameter', message: resolved.problems.map((problem) => problem.text).join('; ') } };
        for (const problem of resolved.problems) plan.warnings.push(problem.fallback);
      }
      parameters = resolved.values;
    }
    const parts = sidecar.render(context, given ? parameters : undefined);
    const clash = sidecar.keysVaryByPod ? findRenderedClash(parts) : undefined;
    if (clash) {
      if (sidecar.required) return { ...plan, refusal: { reason: 'sidecar-clash', message: `sidecar "${name}" ${clash}` } };
      plan.dropped.push({ name, reason: clash });
      continue;
    }
    plan.sidecars.push({ sidecar, parts, parameters });
  }
  for (const [name, values] of podValues ?? []) {
    const known = config.sidecars.has(name) ? 'is not injected into this pod' : 'is not a configured sidecar';
    for (const parameter of values.keys()) plan.warnings.push(`annotation ${annotationName(name, parameter)} ignored: sidecar "${clipText(name, 63)}" ${known}`);
  }
  return plan;
}

interface ParameterProblem {
  /** For a refusal: names the annotation, what is wrong and what is allowed. */
  readonly text: string;
  /** For a warning: the same, and what was used instead. */
  readonly fallback: string;
}

function resolveParameters(sidecar: Sidecar, given: ReadonlyMap<string, string>): { values: ParameterValues; problems: ParameterProblem[] } {
  const values: Record<string, ParameterValue> = { ...sidecar.defaultParameters };
  const problems: ParameterProblem[] = [];
  for (const [name, text] of given) {
    const parameter = sidecar.parameters.get(name);
    const annotation = annotationName(sidecar.name, name);
    if (!parameter) {
      const declared = [...sidecar.parameters.keys()];
      const has = declared.length > 0 ? `${sidecar.name} has ${declared.join(', ')}` : `${sidecar.name} declares none`;
      problems.push({ text: `annotation ${annotation}: no such parameter (${has})`, fallback: `annotation ${annotation} ignored: no such parameter (${has})` });
      continue;
    }
    const read = parameter.read(text);
    if ('value' in read) {
      values[name] = read.value;
    } else {
      problems.push({
        text: `annotation ${annotation}: ${read.problem} (allowed: ${parameter.allowed})`,
        fallback: `annotation ${annotation}: ${read.problem}; the default ${String(parameter.default)} was used`,
      });
    }
  }
  return { values, problems };
}

/**
 * The pod's `sidecar-injector.io/params.<sidecar>.<parameter>` annotations, by sidecar;
 * undefined when it has none (most pods), so nothing is allocated for them.
 */
function readParameterAnnotations(pod: Pod, warnings: string[]): Map<string, Map<string, string>> | undefined {
  const annotations = pod.metadata?.annotations;
  if (!annotations) return undefined;
  let bySidecar: Map<string, Map<string, string>> | undefined;
  for (const key in annotations) {
    if (!key.startsWith(PARAMS_PREFIX)) continue;
    const rest = key.slice(PARAMS_PREFIX.length);
    const dot = rest.indexOf('.');
    if (dot <= 0 || dot === rest.length - 1) {
      warnings.push(`annotation ${JSON.stringify(clipText(key, 80))} ignored: expected ${PARAMS_PREFIX}<sidecar>.<parameter>`);
      continue;
    }
    bySidecar ??= new Map();
    const sidecar = rest.slice(0, dot);
    let values = bySidecar.get(sidecar);
    if (!values) bySidecar.set(sidecar, (values = new Map()));
    values.set(rest.slice(dot + 1), annotations[key]!);
  }
  return bySidecar;
}

/** The annotation as a pod wrote it, short enough for a message even if the pod's key is not. */
function annotationName(sidecar: string, parameter: string): string {
  return `${PARAMS_PREFIX}${clipText(sidecar, 63)}.${clipText(parameter, 63)}`;
}
