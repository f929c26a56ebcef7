import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import { KubeConnection } from '../kube/kube-connection.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { parseSidecarConfigText, readSidecarConfigFile, sidecarConfigPath } from '../templates/load-sidecar-config.ts';
import { dryRunTemplates } from '../validate/server-dry-run.ts';

export interface ValidateCommandOptions {
  readonly config?: string | undefined;
  readonly server?: boolean | undefined;
  readonly namespace?: string | undefined;
  readonly injectorNamespace: string;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

interface Output {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

/**
 * `validate`: the service's own parser on the templates (same messages: file, entry,
 * field), then with `--server` the apiserver's verdict on every rendered template.
 * An invalid file is this command's finding (exit 1), not an input error.
 */
export async function validateCommand(options: ValidateCommandOptions, io: Output): Promise<ExitCode> {
  const path = sidecarConfigPath(options.config);
  const { config, source } = parseSidecarConfigText(await readSidecarConfigFile(path), path, ExitCode.findings);
  for (const warning of config.warnings) io.stderr.write(`warning: ${source}: ${warning}\n`);
  const names = [...config.sidecars.values()].map((sidecar) => `${sidecar.name}${sidecar.isDefault ? ' (default)' : ''}`);
  io.stdout.write(`${source}: the service accepts it: ${names.length} sidecar${names.length === 1 ? '' : 's'}${names.length > 0 ? `: ${names.join(', ')}` : ''}; hash ${config.hash}\n`);
  if (!options.server) return ExitCode.ok;

  const connection = await KubeConnection.open(options);
  const namespace = options.namespace || connection.contextNamespace || 'default';
  const verdicts = await dryRunTemplates(connection, config, cliInjectionPolicy(options.injectorNamespace), namespace);
  const problems: string[] = [];
  for (const verdict of verdicts) {
    const entry = `${source}: sidecars[${verdict.index}] (${verdict.sidecar})`;
    if (verdict.accepted) {
      for (const warning of verdict.warnings) io.stderr.write(`warning: ${entry}: the apiserver warns: ${warning}\n`);
      io.stdout.write(`${entry}: accepted by the apiserver (server-side dry run in namespace ${namespace})\n`);
    } else {
      problems.push(...verdict.problems.map((problem) => `${entry}: ${problem}`));
    }
  }
  if (problems.length > 0) throw new CliError(problems, ExitCode.findings);
  return ExitCode.ok;
}
