import type { InjectionDecision } from '../../injection/injector.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { readInput, type Input } from '../io/read-input.ts';
import { injectManifest, type LocationOutcome } from '../manifests/inject-manifest.ts';
import { injectYamlInParallel } from '../manifests/parallel-inject.ts';
import { parseManifest } from '../manifests/parse-manifest.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { loadSidecarConfigFile, sidecarConfigPath, type LoadedSidecarConfig } from '../templates/load-sidecar-config.ts';
import type { Reporter } from './reporter.ts';

export interface InjectionRunOptions {
  readonly filename: string;
  readonly config?: string | undefined;
  readonly namespace?: string | undefined;
  readonly injectorNamespace: string;
}

export interface InjectionRun {
  readonly input: Input;
  readonly output: string;
  readonly outcomes: readonly LocationOutcome[];
}

/**
 * What `inject` and `diff` share: read the templates and the manifest, inject, and fail
 * with every refusal (file, document, field, the engine's reason) when the webhook would
 * refuse a pod, since applying that manifest would fail too.
 */
export async function runInjection(options: InjectionRunOptions, reporter: Reporter): Promise<InjectionRun> {
  const templates = await loadSidecarConfigFile(sidecarConfigPath(options.config));
  for (const warning of templates.config.warnings) reporter.warn(warning);
  const input = await readInput(options.filename);
  const { output, outcomes } = await inject(input, templates, options);

  const where = (outcome: LocationOutcome) => `${input.source}: document ${outcome.document} (${outcome.object})${outcome.field ? `, ${outcome.field}` : ''}`;
  for (const outcome of outcomes) for (const warning of outcome.warnings) reporter.warn(`${where(outcome)}: ${warning}`);
  const refusals = outcomes.filter((outcome) => outcome.decision.outcome === 'refused');
  if (refusals.length > 0) {
    throw new CliError(
      refusals.map((outcome) => `${where(outcome)}: the webhook would refuse this pod: ${outcome.decision.outcome === 'refused' ? outcome.decision.message : ''}`),
      ExitCode.input,
    );
  }
  for (const outcome of outcomes) reporter.info(`${where(outcome)}: ${describeOutcome(outcome.decision)}`);
  return { input, output, outcomes };
}

/** One line per pod: what it got, and which optional sidecars it goes without (the warnings say why). */
function describeOutcome(decision: InjectionDecision): string {
  if (decision.outcome === 'refused') return `refused: ${decision.message}`;
  if (decision.outcome === 'skipped') return `unchanged: ${decision.message}`;
  const dropped = decision.dropped ?? [];
  return `injected ${decision.sidecars.join(', ')}${dropped.length > 0 ? `; left out ${dropped.map(({ name }) => name).join(', ')} (optional)` : ''}`;
}

async function inject(input: Input, templates: LoadedSidecarConfig, options: InjectionRunOptions): Promise<{ output: string; outcomes: readonly LocationOutcome[] }> {
  const parallel = await injectYamlInParallel(input.text, { source: input.source, configText: templates.text, configSource: templates.source, injectorNamespace: options.injectorNamespace, namespace: options.namespace });
  if (parallel) return parallel;
  const manifest = parseManifest(input.text, input.source);
  const outcomes = injectManifest(manifest, { config: templates.config, policy: cliInjectionPolicy(options.injectorNamespace), namespace: options.namespace });
  return { output: manifest.render(), outcomes };
}
