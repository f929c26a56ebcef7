import { ExitCode } from '../exit-codes.ts';
import type { CommandIo } from '../io/command-io.ts';
import { writeOutput } from '../io/write-output.ts';
import { runInjection, type InjectionRunOptions } from './injection-run.ts';
import { stderrReporter } from './reporter.ts';

export interface InjectCommandOptions extends InjectionRunOptions {
  readonly output?: string | undefined;
  readonly quiet?: boolean | undefined;
}

/** `inject`: the manifest with every Pod and pod template injected, as the webhook would. */
export async function injectCommand(options: InjectCommandOptions, io: CommandIo): Promise<ExitCode> {
  const run = await runInjection(options, stderrReporter(Boolean(options.quiet), io.stderr));
  await writeOutput(run.output, options.output, io.stdout);
  return ExitCode.ok;
}
