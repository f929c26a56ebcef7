import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { dashboard } from '../scripts/monitoring/dashboard.ts';
import { PANELS } from '../scripts/monitoring/panels.ts';
import { freePort } from './support/free-port.ts';
import { httpGet, webhookClient } from './support/https-client.ts';
import { spawnService, waitUntilReady, type ServiceProcess } from './support/process.ts';
import { promtool } from './monitoring/promtool.ts';

/**
 * Every query of the Grafana dashboard, parsed and evaluated by Prometheus' engine (promtool)
 * over metrics scraped from a running `node dist/main.js` that has answered injected, skipped
 * and refused reviews, a bad request, and a rejected and an accepted templates reload: no panel
 * may come up empty. The scrapes become promtool input series, labelled as Prometheus labels a
 * target, 15 s apart as a scrape interval would space them.
 */
const FIXTURES = new URL('./fixtures/', import.meta.url);
const NAMESPACE = 'sidecar-injector';
const TARGET = { namespace: NAMESPACE, pod: 'sidecar-injector-6c9f7d8b5-x2k4q', job: 'sidecar-injector', instance: '10.0.3.7:8081' };
const SCRAPE_INTERVAL_S = 15;

let service: ServiceProcess;
let dir: string;
const scrapes: Map<string, number>[] = [];

/** Samples of one Prometheus text exposition, keyed by their series as PromQL writes it, with the target's labels added. */
function parseExposition(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  const target = Object.entries(TARGET).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!sample) continue;
    const value = Number(sample[3]);
    if (!Number.isFinite(value)) continue;
    samples.set(`${sample[1]}{${[...target, ...(sample[2] ? [sample[2]] : [])].join(', ')}}`, value);
  }
  return samples;
}

/** The query as Grafana sends it for this dashboard's variables: one namespace, every pod. */
function asSent(expr: string): string {
  return expr.replaceAll('$namespace', NAMESPACE).replaceAll('$pod', '.*').replaceAll('$__rate_interval', '1m');
}

async function until(done: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'dashboard-'));
  const templates = join(dir, 'sidecars.yaml');
  copyFileSync(new URL('sidecars.yaml', FIXTURES), templates);
  const [port, healthPort] = [await freePort(), await freePort()];
  service = spawnService({ PORT: String(port), HEALTH_PORT: String(healthPort), TLS_DIR: join(dir, 'tls'), SIDECAR_CONFIG: templates, WEBHOOK_REGISTRATION: 'disabled', POD_NAMESPACE: NAMESPACE });
  await waitUntilReady(service, healthPort);
  const client = webhookClient(port, readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8'));
  const scrape = async () => scrapes.push(parseExposition((await httpGet(healthPort, '/metrics')).text));
  const review = (name: string) => client.post(readFileSync(new URL(`admission/${name}.review.json`, FIXTURES), 'utf8'));
  const metric = async (pattern: RegExp) => pattern.test((await httpGet(healthPort, '/metrics')).text);

  await scrape();
  const answered = async (status: number, answer: Promise<{ status: number; text: string }>) => {
    const { status: got, text } = await answer;
    if (got !== status) throw new Error(`expected HTTP ${status}, got ${got}: ${text}`);
  };
  for (const name of ['nginx-default', 'unknown-sidecar-refused', 'opt-out-annotation', 'many-containers-app-wins']) await answered(200, review(name));
  await answered(400, client.post('{"not": "a review"}'));
  await scrape();
  writeFileSync(templates, 'sidecars: [{ name: "Not A DNS Label" }]\n');
  await until(() => metric(/^sidecar_injector_config_reloads_total\{result="failed"\} 1$/m), 'the rejected reload');
  for (const name of ['nginx-default', 'unknown-sidecar-refused']) await review(name);
  await scrape();
  // Another valid file (the shipped examples): a new generation.
  copyFileSync(new URL('../config/sidecars.yaml', import.meta.url), templates);
  await until(() => metric(/^sidecar_injector_config_generation 2$/m), 'the accepted reload');
  for (const name of ['nginx-default', 'job-native-sidecar']) await review(name);
  await scrape();
}, 60_000);

afterAll(async () => {
  service?.child.kill('SIGTERM');
  await service?.exited;
});

async function evaluate(name: string, tests: readonly { expr: string }[]) {
  const series = new Set(scrapes.flatMap((samples) => [...samples.keys()]));
  const input = [...series].map((key) => ({ series: key, values: scrapes.map((samples) => (samples.has(key) ? String(samples.get(key)) : '_')).join(' ') }));
  const evalTime = `${(scrapes.length - 1) * SCRAPE_INTERVAL_S}s`;
  const file = join(dir, `${name}.test.yaml`);
  // absent(q) is empty exactly when q returns something: expecting no sample asserts that the panel has data.
  const promqlTests = tests.map(({ expr }) => ({ expr: `absent(${expr})`, eval_time: evalTime, exp_samples: [] }));
  writeFileSync(file, stringify({ rule_files: [], evaluation_interval: '15s', tests: [{ interval: `${SCRAPE_INTERVAL_S}s`, input_series: input, promql_expr_test: promqlTests }] }));
  return promtool(['test', 'rules', file]);
}

describe('the Grafana dashboard against a running service', () => {
  it('has a query on every panel, and the panels the issue asks for', () => {
    const panels = (dashboard() as { panels: { title: string; targets: unknown[] }[] }).panels;
    expect(panels.every((panel) => panel.targets.length > 0)).toBe(true);
    expect(panels.map((panel) => panel.title)).toEqual(
      expect.arrayContaining(['Reviews by outcome', 'Review latency', 'Refusals by reason', 'Sidecar template reloads', 'Certificate expires in', 'Registration', 'Event-loop lag', 'Memory']),
    );
  });

  it('scraped every metric a panel reads, with the target labels a Prometheus would add', () => {
    const names = new Set(scrapes.flatMap((samples) => [...samples.keys()].map((key) => key.slice(0, key.indexOf('{')))));
    for (const panel of PANELS) for (const query of panel.queries) for (const metric of query.expr.match(/sidecar_injector_[a-z0-9_]+/g) ?? []) expect(names, `${panel.title}: ${metric}`).toContain(metric);
  });

  it('returns series for every query of every panel (parsed and evaluated by promtool)', async () => {
    const queries = PANELS.flatMap((panel) => panel.queries.map((query) => ({ expr: asSent(query.expr) })));
    const variables = [{ expr: 'sidecar_injector_config_generation' }, { expr: `sidecar_injector_config_generation{namespace="${NAMESPACE}"}` }];
    const result = await evaluate('panels', [...queries, ...variables]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it('fails the check for a query that returns nothing and for one that does not parse, so the check above proves something', async () => {
    const empty = await evaluate('empty', [{ expr: asSent(`sum(rate(sidecar_injector_no_such_metric_total{namespace="$namespace"}[$__rate_interval]))`) }]);
    expect(empty.code).not.toBe(0);
    expect(empty.output).toMatch(/FAILED/);
    const broken = await evaluate('broken', [{ expr: 'sum by (outcome (sidecar_injector_admission_reviews_total)' }]);
    expect(broken.code).not.toBe(0);
  });
});
