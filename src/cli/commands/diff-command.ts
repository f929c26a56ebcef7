import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';
import { ExitCode } from '../exit-codes.ts';
import type { CommandIo } from '../io/command-io.ts';
import { writeOutput } from '../io/write-output.ts';
import { runInjection, type InjectionRunOptions } from './injection-run.ts';
import { stderrReporter } from './reporter.ts';

export interface DiffCommandOptions extends InjectionRunOptions {
  readonly check?: boolean | undefined;
  readonly quiet?: boolean | undefined;
}

/** `diff`: a unified diff of what `inject` would change; `--check` turns a change into exit 1 (a CI gate). */
export async function diffCommand(options: DiffCommandOptions, io: CommandIo): Promise<ExitCode> {
  const run = await runInjection(options, stderrReporter(Boolean(options.quiet), io.stderr));
  if (run.output === run.input.text) return ExitCode.ok;
  // git's a/ and b/ prefixes, without doubling the slash of an absolute path.
  const name = run.input.source === '(stdin)' ? 'stdin' : run.input.source.replace(/^\/+/, '');
  await writeOutput(createTwoFilesPatch(`a/${name}`, `b/${name}`, run.input.text, run.output, undefined, undefined, { headerOptions: FILE_HEADERS_ONLY }), undefined, io.stdout);
  return options.check ? ExitCode.findings : ExitCode.ok;
}
