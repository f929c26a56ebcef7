import { writeFile } from 'node:fs/promises';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** To `-o FILE`, else standard output; resolves once the text is handed over, so the exit code follows it. */
export async function writeOutput(text: string, file: string | undefined, stdout: NodeJS.WritableStream = process.stdout): Promise<void> {
  if (file === undefined || file === '-') {
    await new Promise<void>((resolve, reject) => stdout.write(text, (error) => (error ? reject(error) : resolve())));
    return;
  }
  try {
    await writeFile(file, text);
  } catch (error) {
    throw new CliError([`cannot write ${file}: ${(error as Error).message}`], ExitCode.input);
  }
}
