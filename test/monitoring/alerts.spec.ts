import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { find } from '../support/manifests.ts';
import { renderChart } from '../support/helm.ts';
import { promtool } from './promtool.ts';

/**
 * The alerts the chart ships (and k8s/monitoring, which helm-chart.e2e-spec.ts proves equal),
 * checked and unit-tested with Prometheus' own promtool: each alert fires on series shaped like
 * ours, as Prometheus scrapes them through the chart's ServiceMonitor, and stays quiet on
 * healthy ones.
 */
interface Rule {
  readonly alert?: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

const NAMESPACE = 'sidecar-injector';
const POD = 'sidecar-injector-6c9f7d8b5-x2k4q';
/** What Prometheus adds to every sample it scrapes through the ServiceMonitor. */
const TARGET = `namespace="${NAMESPACE}", pod="${POD}", job="sidecar-injector", service="sidecar-injector", endpoint="http-metrics", instance="10.0.3.7:8081", container="sidecar-injector"`;
const series = (name: string, labels = '') => `${name}{${TARGET}${labels ? `, ${labels}` : ''}}`;

let dir: string;
let groups: { name: string; rules: Rule[] }[];

beforeAll(async () => {
  const chart = await renderChart({ values: { metrics: { prometheusRule: { enabled: true } } } });
  groups = (find(chart, 'PrometheusRule') as unknown as { spec: { groups: typeof groups } }).spec.groups;
  dir = mkdtempSync(join(tmpdir(), 'alerts-'));
  writeFileSync(join(dir, 'rules.yaml'), stringify({ groups }));
  // Annotations are text for people, checked by `check rules`; the unit tests compare what fires, and when.
  writeFileSync(join(dir, 'rules-without-annotations.yaml'), stringify({ groups: groups.map((group) => ({ ...group, rules: group.rules.map(({ annotations: _annotations, ...rule }) => rule) })) }));
}, 600_000);

interface Case {
  readonly alert: string;
  readonly firing: { readonly series: Record<string, string>; readonly at: string; readonly labels: Record<string, string> };
  readonly quiet: { readonly series: Record<string, string>; readonly at: string };
}

const ours = { namespace: NAMESPACE, job: 'sidecar-injector' };
const perPod = { namespace: NAMESPACE, pod: POD, job: 'sidecar-injector', service: 'sidecar-injector', endpoint: 'http-metrics', instance: '10.0.3.7:8081', container: 'sidecar-injector' };
const bucket = (le: string) => series('sidecar_injector_admission_duration_seconds_bucket', `code="200", le="${le}"`);

const CASES: readonly Case[] = [
  {
    alert: 'SidecarInjectorWebhookErrors',
    firing: {
      series: {
        [series('sidecar_injector_webhook_responses_total', 'code="200"')]: '0+600x30',
        [series('sidecar_injector_webhook_responses_total', 'code="500"')]: '0+20x30',
        [series('sidecar_injector_webhook_responses_total', 'code="429"')]: '0+10x30',
      },
      at: '15m',
      labels: { ...ours, severity: 'critical' },
    },
    quiet: {
      series: {
        [series('sidecar_injector_webhook_responses_total', 'code="200"')]: '0+600x30',
        [series('sidecar_injector_webhook_responses_total', 'code="400"')]: '0+50x30',
        [series('sidecar_injector_webhook_responses_total', 'code="500"')]: '0+1x30',
      },
      at: '15m',
    },
  },
  {
    alert: 'SidecarInjectorWebhookSlow',
    firing: { series: { [bucket('0.001')]: '0+10x40', [bucket('0.5')]: '0+20x40', [bucket('1')]: '0+600x40', [bucket('+Inf')]: '0+600x40' }, at: '20m', labels: { ...ours, severity: 'warning' } },
    quiet: { series: { [bucket('0.001')]: '0+590x40', [bucket('0.5')]: '0+600x40', [bucket('1')]: '0+600x40', [bucket('+Inf')]: '0+600x40' }, at: '20m' },
  },
  {
    alert: 'SidecarInjectorNoReadyReplica',
    firing: {
      series: { [`kube_deployment_status_replicas_available{namespace="${NAMESPACE}", deployment="sidecar-injector", job="kube-state-metrics"}`]: '2 2 0x10' },
      at: '8m',
      labels: { namespace: NAMESPACE, deployment: 'sidecar-injector', job: 'kube-state-metrics', severity: 'critical' },
    },
    quiet: {
      series: {
        [`kube_deployment_status_replicas_available{namespace="${NAMESPACE}", deployment="sidecar-injector", job="kube-state-metrics"}`]: '2 1 1 2x10',
        [`kube_deployment_status_replicas_available{namespace="other", deployment="sidecar-injector", job="kube-state-metrics"}`]: '0x10',
      },
      at: '8m',
    },
  },
  {
    alert: 'SidecarInjectorAbsent',
    firing: { series: { [series('sidecar_injector_webhook_registered')]: '1 1 1' }, at: '20m', labels: { namespace: NAMESPACE, severity: 'warning' } },
    quiet: { series: { [series('sidecar_injector_webhook_registered')]: '1x30' }, at: '20m' },
  },
  {
    // Ten days left, with a 30-day renewal window: renewal should have happened 20 days ago.
    alert: 'SidecarInjectorCertificateExpiring',
    firing: { series: { [series('sidecar_injector_certificate_expiry_timestamp_seconds')]: '864000x200' }, at: '2h', labels: { ...perPod, severity: 'warning' } },
    quiet: { series: { [series('sidecar_injector_certificate_expiry_timestamp_seconds')]: '31536000x200' }, at: '2h' },
  },
  {
    alert: 'SidecarInjectorNotRegistered',
    firing: { series: { [series('sidecar_injector_webhook_registered')]: '1 0x20' }, at: '10m', labels: { ...perPod, severity: 'critical' } },
    quiet: { series: { [series('sidecar_injector_webhook_registered')]: '0 0 1x20' }, at: '10m' },
  },
  {
    alert: 'SidecarInjectorRegistrationFailing',
    firing: {
      series: { [series('sidecar_injector_registration_state', 'phase="failing"')]: '1x30', [series('sidecar_injector_registration_state', 'phase="registered"')]: '0x30' },
      at: '20m',
      labels: { ...perPod, phase: 'failing', severity: 'warning' },
    },
    quiet: { series: { [series('sidecar_injector_registration_state', 'phase="failing"')]: '1 1 1 0x30', [series('sidecar_injector_registration_state', 'phase="registered"')]: '0 0 0 1x30' }, at: '20m' },
  },
  {
    alert: 'SidecarInjectorTemplatesRejected',
    firing: { series: { [series('sidecar_injector_config_last_reload_successful')]: '1 0x10' }, at: '5m', labels: { ...perPod, severity: 'warning' } },
    quiet: { series: { [series('sidecar_injector_config_last_reload_successful')]: '1x10' }, at: '5m' },
  },
];

function unitTest(inputSeries: Record<string, string>, at: string, alert: string, expected: readonly Record<string, string>[]): object {
  return {
    input_series: Object.entries(inputSeries).map(([name, values]) => ({ series: name, values })),
    alert_rule_test: [{ eval_time: at, alertname: alert, exp_alerts: expected.map((labels) => ({ exp_labels: labels })) }],
  };
}

async function runUnitTests(name: string, tests: readonly object[]) {
  const file = join(dir, `${name}.test.yaml`);
  writeFileSync(file, stringify({ rule_files: ['rules-without-annotations.yaml'], evaluation_interval: '1m', tests: tests.map((test) => ({ interval: '1m', ...test })) }));
  return promtool(['test', 'rules', file]);
}

describe('the alerts (PrometheusRule) the chart ships', () => {
  it('pass promtool check rules, annotations and all', async () => {
    const result = await promtool(['check', 'rules', join(dir, 'rules.yaml')]);
    expect(result.output).toMatch(/SUCCESS: 8 rules found/);
    expect(result.code).toBe(0);
  });

  it('have a unit test here for each alert, and a runbook, summary and severity each', () => {
    const alerts = groups.flatMap((group) => group.rules).filter((rule) => rule.alert);
    const sorted = (names: readonly (string | undefined)[]) => names.map(String).sort((a, b) => a.localeCompare(b));
    expect(sorted(alerts.map((rule) => rule.alert))).toEqual(sorted(CASES.map((test) => test.alert)));
    for (const rule of alerts) {
      expect(Object.keys(rule.annotations ?? {}).sort(), rule.alert).toEqual(['description', 'runbook', 'summary']);
      expect(['critical', 'warning'], rule.alert).toContain(rule.labels?.['severity']);
    }
  });

  it.each(CASES)('$alert fires on series shaped like ours, and stays quiet on healthy ones (promtool test rules)', async ({ alert, firing, quiet }) => {
    const result = await runUnitTests(alert, [unitTest(firing.series, firing.at, alert, [firing.labels]), unitTest(quiet.series, quiet.at, alert, [])]);
    expect(result.output).toMatch(/SUCCESS/);
    expect(result.code).toBe(0);
  });

  it('promtool test rules fails when an alert does not behave as expected, so the cases above prove something', async () => {
    const [first] = CASES;
    const result = await runUnitTests('inverted', [unitTest(first!.quiet.series, first!.quiet.at, first!.alert, [first!.firing.labels])]);
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/FAILED/);
  });
});
