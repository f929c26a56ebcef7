import { clipText } from './clip-text.ts';

/**
 * Kubernetes asks webhooks to keep each warning to 120 characters if possible; the
 * apiserver may truncate one over 256 and ignores everything past 4096 characters of
 * warnings in total, from all webhooks and its own. The injector keeps to a quarter of
 * that budget so the apiserver's own warnings (deprecations, pod security) still show.
 */
export const MAX_WARNING_LENGTH = 120;
export const MAX_WARNINGS_TOTAL = 1024;

// Control characters are exactly what these find: kubectl prints warnings to a terminal.
// oxlint-disable-next-line no-control-regex
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;
// oxlint-disable-next-line no-control-regex
const ANY_CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * The warnings as sent to the apiserver: one line each, at most 120 characters, and no
 * more than fit in the budget; when some do not, the last line says how many were left
 * out. The decision keeps the full list (the CLI prints it all).
 */
export function limitWarnings(warnings: readonly string[]): string[] {
  const lines: string[] = [];
  let total = 0;
  for (let index = 0; index < warnings.length; index++) {
    const warning = warnings[index]!;
    const line = clipText(ANY_CONTROL_CHARACTER.test(warning) ? warning.replace(CONTROL_CHARACTERS, ' ') : warning, MAX_WARNING_LENGTH);
    const left = warnings.length - index - 1;
    // Room is kept for the summary line whenever more warnings follow this one.
    const reserve = left > 0 ? summary(left).length : 0;
    if (total + line.length + reserve > MAX_WARNINGS_TOTAL) {
      lines.push(summary(warnings.length - index));
      break;
    }
    lines.push(line);
    total += line.length;
  }
  return lines;
}

function summary(count: number): string {
  return `${count} more sidecar-injector warning${count > 1 ? 's' : ''} not shown`;
}
