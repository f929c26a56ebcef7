/** Where a command's remarks go: standard error, so that standard output stays the manifest, diff or report. */
export interface Reporter {
  /** One line per pod or template: what was done. Silenced by `--quiet`. */
  info(line: string): void;
  warn(line: string): void;
}

export function stderrReporter(quiet: boolean, stderr: NodeJS.WritableStream = process.stderr): Reporter {
  return {
    info: (line) => {
      if (!quiet) stderr.write(`${line}\n`);
    },
    warn: (line) => stderr.write(`warning: ${line}\n`),
  };
}
