import type { Sidecar } from '../../injection/sidecar-config.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CommandIo } from '../io/command-io.ts';
import { KubeConnection } from '../kube/kube-connection.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { parseSidecarConfigText, readSidecarConfigFile, sidecarConfigPath } from '../templates/load-sidecar-config.ts';
import { describeValues } from '../validate/parameter-settings.ts';
import { dryRunTemplates } from '../validate/server-dry-run.ts';

export interface ValidateCommandOptions {
  readonly config?: string | undefined;
  readonly server?: boolean | undefined;
  readonly namespace?: string | undefined;
  readonly injectorNamespace: string;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/**
 * `validate`: the service's own parser on the templates (same messages: file, entry,
 * field), then with `--server` the apiserver's verdict on every rendered template.
 * An invalid file is this command's finding (exit 1), not an input error.
 */
export async function validateCommand(options: ValidateCommandOptions, io: CommandIo): Promise<ExitCode> {
  const path = sidecarConfigPath(options.config);
  const { config, source } = parseSidecarConfigText(await readSidecarConfigFile(path), path, ExitCode.findings);
  for (const warning of config.warnings) io.stderr.write(`warning: ${source}: ${warning}\n`);
  const names = [...config.sidecars.values()].map(describeSidecar);
  io.stdout.write(`${source}: the service accepts it: ${names.length} sidecar${names.length === 1 ? '' : 's'}${names.length > 0 ? `: ${names.join(', ')}` : ''}; hash ${config.hash}\n`);
  if (!options.server) return ExitCode.ok;

  const connection = await KubeConnection.open(options);
  const namespace = options.namespace || connection.contextNamespace || 'default';
  const verdicts = await dryRunTemplates(connection, config, cliInjectionPolicy(options.injectorNamespace), namespace);
  const problems: string[] = [];
  for (const verdict of verdicts) {
    const entry = `${source}: sidecars[${verdict.index}] (${verdict.sidecar})`;
    const hasParameters = config.sidecars.get(verdict.sidecar)!.parameters.size > 0;
    // A problem every setting shares (a field the parameters do not touch) is told once, with the first setting that showed it.
    const told = new Set<string>();
    for (const { setting, problems: found, warnings, engineWarnings } of verdict.settings) {
      const where = hasParameters ? `${entry} with ${describeValues(setting)}${setting.label.includes('=') ? '' : ` (${setting.label})`}` : entry;
      for (const warning of engineWarnings) io.stderr.write(`warning: ${where}: the engine warns: ${warning}\n`);
      for (const warning of warnings) io.stderr.write(`warning: ${where}: the apiserver warns: ${warning}\n`);
      for (const problem of found.filter((text) => !told.has(text))) {
        told.add(problem);
        problems.push(`${where}: ${problem}`);
      }
    }
    if (verdict.settings.every((setting) => setting.problems.length === 0)) {
      const tried = hasParameters ? ` at ${verdict.settings.length} parameter setting${verdict.settings.length === 1 ? '' : 's'}: ${verdict.settings.map(({ setting }) => setting.label).join(', ')}` : '';
      const renderedFor = verdict.renderedNamespace === namespace ? '' : `, rendered as for namespace ${verdict.renderedNamespace}, which it is limited to`;
      io.stdout.write(`${entry}: accepted by the apiserver${tried} (server-side dry run in namespace ${namespace}${renderedFor})\n`);
    }
  }
  if (problems.length > 0) throw new CliError(problems, ExitCode.findings);
  return ExitCode.ok;
}

/** `log-agent (default, optional)`: the rules that change when and whether a pod gets it. */
function describeSidecar(sidecar: Sidecar): string {
  const traits = [...(sidecar.isDefault ? ['default'] : []), ...(sidecar.required ? [] : ['optional'])];
  return traits.length > 0 ? `${sidecar.name} (${traits.join(', ')})` : sidecar.name;
}
