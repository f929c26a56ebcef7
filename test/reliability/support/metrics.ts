import { httpGet } from '../../support/https-client.ts';

/** The service's own Prometheus text from /metrics, as a scraper sees it. */
export async function scrape(healthPort: number): Promise<string> {
  const answer = await httpGet(healthPort, '/metrics');
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
  return answer.text;
}

/** The value of an unlabelled sample, or of the one whose label set matches `labels` exactly. */
export function sample(text: string, name: string, labels = ''): number | undefined {
  const prefix = labels ? `${name}{${labels}} ` : `${name} `;
  const line = text.split('\n').find((candidate) => candidate.startsWith(prefix));
  return line === undefined ? undefined : Number(line.slice(prefix.length));
}

export function requiredSample(text: string, name: string, labels = ''): number {
  const value = sample(text, name, labels);
  if (value === undefined || Number.isNaN(value)) throw new Error(`/metrics has no sample ${name}${labels ? `{${labels}}` : ''}`);
  return value;
}
