import { describeFinding } from './pod-findings.ts';
import { describeReplacement } from './replacement-preview.ts';
import type { StaleGroup, StaleReport } from './stale-report.ts';

/** `-o json`: the whole report, for scripts. */
export function reportJson(report: StaleReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/**
 * `-o table`: one row per group, the command that restarts it last; then, for groups whose
 * new pods would meet something (a refusal, an optional sidecar left out, a parameter
 * falling back), what they would meet; then a summary line.
 */
export function reportTable(report: StaleReport): string {
  const scope = `checked ${report.checked.pods} pod${plural(report.checked.pods)} that ${report.webhook} selects, in ${report.checked.namespaces} namespace${plural(report.checked.namespaces)}, against ${report.templates.source} (hash ${report.templates.hash})`;
  if (report.groups.length === 0) return `no stale pods; ${scope}\n`;
  const rows = [['NAMESPACE', 'OWNER', 'PODS', 'WHY', 'RESTART WITH'], ...report.groups.map(row)];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const lines = rows.map((cells) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('   ')
      .trimEnd(),
  );
  const before = report.groups.flatMap(beforeRestarting);
  return `${lines.join('\n')}\n${before.length > 0 ? `\n${before.join('\n')}\n` : ''}\n${report.stalePods} stale pod${plural(report.stalePods)} in ${report.groups.length} group${plural(report.groups.length)}; ${scope}\n`;
}

function row(group: StaleGroup): string[] {
  const why = counted(group, (pod) => pod.findings.map(describeFinding)).join('; ');
  const refused = group.pods.some((pod) => pod.replacement?.refused !== undefined);
  const said = group.pods.some((pod) => pod.replacement !== undefined);
  const notes = [...(group.advice.note ? [group.advice.note] : []), ...(refused ? ['new pods would be refused: see below'] : said ? ['see below'] : [])];
  return [group.namespace, `${group.owner.kind}/${group.owner.name}`, String(group.pods.length), why, notes.length > 0 ? `${group.advice.command}   # ${notes.join('; ')}` : group.advice.command];
}

/** What a group's new pods would meet, under a heading that names the group. */
function beforeRestarting(group: StaleGroup): string[] {
  const lines = counted(group, (pod) => (pod.replacement ? describeReplacement(pod.replacement) : []));
  return lines.length === 0 ? [] : [`Before restarting ${group.owner.kind}/${group.owner.name} in ${group.namespace}: a new pod`, ...lines.map((line) => `  ${line}`)];
}

/** Each distinct text once, with how many of the group's pods it concerns when not all. */
function counted(group: StaleGroup, texts: (pod: StaleGroup['pods'][number]) => readonly string[]): string[] {
  const counts = new Map<string, number>();
  for (const pod of group.pods) for (const text of texts(pod)) counts.set(text, (counts.get(text) ?? 0) + 1);
  return [...counts].map(([text, count]) => (count === group.pods.length ? text : `${text} [${count} of ${group.pods.length}]`));
}

function plural(count: number): string {
  return count === 1 ? '' : 's';
}
