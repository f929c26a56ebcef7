import { readFile } from 'node:fs/promises';
import { text } from 'node:stream/consumers';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

export interface Input {
  /** How messages name it: the path, or `(stdin)` for `-`. */
  readonly source: string;
  readonly text: string;
}

/** `-f FILE`, or `-f -` for standard input (`kubectl kustomize . | sidecar-injector inject -f -`). */
export async function readInput(filename: string, stdin: NodeJS.ReadableStream = process.stdin): Promise<Input> {
  if (filename === '-') return { source: '(stdin)', text: await text(stdin) };
  try {
    return { source: filename, text: await readFile(filename, 'utf8') };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
    throw new CliError([`cannot read ${filename}: ${why}`], ExitCode.input);
  }
}
