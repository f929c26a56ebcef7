import type { ExitCode } from './exit-codes.ts';

/** A failure the user can act on: printed as its lines (no stack), then the process exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly lines: readonly string[],
    readonly exitCode: ExitCode,
  ) {
    super(lines.join('\n'));
    this.name = 'CliError';
  }
}
