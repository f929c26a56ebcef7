import { describeFinding } from './pod-findings.ts';
import { describeReplacement } from './replacement-preview.ts';
import type { StaleGroup, StaleReport } from './stale-report.ts';

/** `-o json`: the whole report, for scripts. */
export function reportJson(report: StaleReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `-o table`: one row per group, the command that restarts it last, then a summary line. */
export function reportTable(report: StaleReport): string {
  const scope = `checked ${report.checked.pods} pod${plural(report.checked.pods)} that ${report.webhook} selects, in ${report.checked.namespaces} namespace${plural(report.checked.namespaces)}, against ${report.templates.source} (hash ${report.templates.hash})`;
  if (report.groups.length === 0) return `no stale pods; ${scope}\n`;
  const rows = [['NAMESPACE', 'OWNER', 'PODS', 'WHY', 'RESTART WITH'], ...report.groups.map(row)];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  const lines = rows.map((cells) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('   ').trimEnd());
  return `${lines.join('\n')}\n\n${report.stalePods} stale pod${plural(report.stalePods)} in ${report.groups.length} group${plural(report.groups.length)}; ${scope}\n`;
}

function row(group: StaleGroup): string[] {
  const counts = new Map<string, number>();
  for (const pod of group.pods) {
    for (const text of [...pod.findings.map(describeFinding), ...(pod.replacement ? describeReplacement(pod.replacement) : [])]) counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  const why = [...counts].map(([text, count]) => (count === group.pods.length ? text : `${text} [${count} of ${group.pods.length}]`)).join('; ');
  const command = group.advice.note ? `${group.advice.command}   # ${group.advice.note}` : group.advice.command;
  return [group.namespace, `${group.owner.kind}/${group.owner.name}`, String(group.pods.length), why, command];
}

function plural(count: number): string {
  return count === 1 ? '' : 's';
}
