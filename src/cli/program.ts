import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { PACKAGE_ROOT } from '../config/app-config.ts';
import { CliError } from './cli-error.ts';
import { diffCommand, type DiffCommandOptions } from './commands/diff-command.ts';
import { injectCommand, type InjectCommandOptions } from './commands/inject-command.ts';
import { reportCommand, REPORT_DEFAULTS, type ReportCommandOptions } from './commands/report-command.ts';
import { validateCommand, type ValidateCommandOptions } from './commands/validate-command.ts';
import { ExitCode } from './exit-codes.ts';
import type { CommandIo } from './io/command-io.ts';
import { DEFAULT_INJECTOR_NAMESPACE } from './templates/injection-policy.ts';

const EXIT_CODES_HELP = `
Exit codes:
  0  done: nothing would change, nothing is stale, the templates are valid
  1  the check failed: diff --check found a change, report a stale pod, validate a problem
  2  usage: unknown command or option, bad or missing value
  3  input: a file unreadable or invalid, or a document the webhook would refuse
  4  cluster: no kubeconfig, unreachable, forbidden, webhook or ConfigMap missing
  70 a bug in this command (the stack trace is printed)`;

const TEMPLATES_HELP = 'sidecar templates file (default: $SIDECAR_CONFIG, else the shipped config/sidecars.yaml)';
const INJECTOR_NAMESPACE_HELP = "namespace the injector runs in; its pods, like kube-system's, are never injected";

/**
 * The `sidecar-injector` command line. Each action resolves to an exit code instead of
 * exiting, so output is flushed first and the program can run inside tests.
 */
export function buildProgram(io: CommandIo, setExitCode: (code: ExitCode) => void): Command {
  const program = new Command('sidecar-injector')
    .description("Preview, gate and audit sidecar injection with the webhook's own engine.")
    .version(packageVersion(), '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.stdout.write(text), writeErr: (text) => io.stderr.write(text) })
    .showHelpAfterError('(add --help for usage)')
    .addHelpText('after', EXIT_CODES_HELP);

  const run = (action: () => Promise<ExitCode>) => async () => setExitCode(await action());

  const injectionOptions = (command: Command) =>
    command
      .requiredOption('-f, --filename <file>', 'manifest to read: YAML (multi-document) or JSON, a List; - for standard input')
      .option('--config <file>', TEMPLATES_HELP)
      .option('-n, --namespace <namespace>', 'namespace of documents that name none (default: "default")')
      .option('--injector-namespace <namespace>', INJECTOR_NAMESPACE_HELP, DEFAULT_INJECTOR_NAMESPACE)
      .option('-q, --quiet', 'print only warnings and errors on standard error');

  const inject = injectionOptions(program.command('inject').description('Inject sidecars into the Pods and pod templates of a manifest, as the webhook would.'))
    .option('-o, --output <file>', 'write the result here instead of standard output')
    .addHelpText('after', '\nExample:\n  sidecar-injector inject -f deployment.yaml | kubectl apply -f -');
  inject.action(run(() => injectCommand(inject.opts<InjectCommandOptions>(), io)));

  const diff = injectionOptions(program.command('diff').description('Show, as a unified diff, what inject would change.'))
    .option('--check', 'exit 1 when anything would change (a CI gate)')
    .addHelpText('after', '\nExample:\n  kubectl kustomize overlays/prod | sidecar-injector diff -f - --check');
  diff.action(run(() => diffCommand(diff.opts<DiffCommandOptions>(), io)));

  const validate = kubeOptions(program.command('validate').description('Check the sidecar templates as the service loads them; with --server, also by the apiserver.'))
    .option('--config <file>', TEMPLATES_HELP)
    .option('--server', 'render every template onto a sample pod, at each parameter setting a pod may choose, and create it with server-side dry run')
    .option('-n, --namespace <namespace>', 'namespace of the dry-run pods (default: the kubeconfig context\'s, else "default")')
    .option('--injector-namespace <namespace>', INJECTOR_NAMESPACE_HELP, DEFAULT_INJECTOR_NAMESPACE)
    .addHelpText('after', '\nExample:\n  sidecar-injector validate --config k8s/sidecars.yaml --server');
  validate.action(run(() => validateCommand(validate.opts<ValidateCommandOptions>(), io)));

  const report = kubeOptions(program.command('report').description('List pods the registered webhook selects that lack their sidecars or carry outdated ones, and how to roll them.'))
    .addOption(new Option('-n, --namespace <namespace>', 'look in this namespace (default: the kubeconfig context\'s, else "default")').conflicts('allNamespaces'))
    .option('-A, --all-namespaces', 'look in every namespace the webhook selects')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json']).default('table'))
    .option('--config <file>', 'sidecar templates to compare with (default: the ConfigMap the injector reads)')
    .option('--configmap <namespace/name>', 'the ConfigMap holding the templates', REPORT_DEFAULTS.configMap)
    .option('--configmap-key <key>', 'its key', REPORT_DEFAULTS.configMapKey)
    .option('--webhook <name>', 'name of the MutatingWebhookConfiguration', REPORT_DEFAULTS.webhook)
    .option('--injector-namespace <namespace>', INJECTOR_NAMESPACE_HELP, DEFAULT_INJECTOR_NAMESPACE)
    .addOption(new Option('--chunk-size <n>', 'pods per list request (limit/continue)').default(REPORT_DEFAULTS.chunkSize).argParser(positiveInteger))
    .addHelpText('after', '\nExample:\n  sidecar-injector report -A\n\nExit code 1 when any pod is stale, 0 when none is.');
  report.action(run(() => reportCommand(report.opts<ReportCommandOptions>(), io)));

  return program;
}

/** Runs the command line; resolves to the exit code, having printed any error. */
export async function runProgram(argv: readonly string[], io: CommandIo): Promise<ExitCode> {
  let exitCode: ExitCode = ExitCode.ok;
  const program = buildProgram(io, (code) => (exitCode = code));
  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version exit 0; every other complaint of the parser is a usage error.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (error instanceof CliError) {
      for (const line of error.lines) io.stderr.write(`error: ${line}\n`);
      return error.exitCode;
    }
    throw error;
  }
}

function kubeOptions(command: Command): Command {
  return command.option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config, else in-cluster)').option('--context <name>', 'kubeconfig context to use');
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive whole number');
  return number;
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
