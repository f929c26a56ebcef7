/**
 * The Grafana dashboard's panels, one entry each: add a panel here and run
 * `node scripts/monitoring/dashboard.ts --write`. test/monitoring/dashboard.spec-helper checks that
 * every query parses and returns series from a running service, so a new metric needs the
 * traffic that produces it in test/monitoring/dashboard-queries.e2e-spec.ts.
 *
 * `$sel` stands for the dashboard's namespace and pod variables; `$__rate_interval` is Grafana's.
 */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

export interface Panel {
  readonly title: string;
  readonly description: string;
  readonly unit: string;
  readonly queries: readonly PanelQuery[];
  /** Half width (12 of 24 columns) unless said otherwise. */
  readonly width?: number;
}

export const SELECTOR = 'namespace="$namespace", pod=~"$pod"';
const sel = (extra = '') => `{${SELECTOR}${extra ? `, ${extra}` : ''}}`;
const rate = (metric: string, extra = '') => `rate(${metric}${sel(extra)}[$__rate_interval])`;

export const PANELS: readonly Panel[] = [
  {
    title: 'Reviews by outcome',
    description: 'Admission reviews answered per second: injected, skipped (opted out, protected namespace, nothing selected) and refused.',
    unit: 'reqps',
    queries: [{ expr: `sum by (outcome) (${rate('sidecar_injector_admission_reviews_total')})`, legend: '{{outcome}}' }],
  },
  {
    title: 'Refusals by reason',
    description: 'Pods refused (allowed: false) per second, by reason: an unknown sidecar name, a conflict, an invalid pod.',
    unit: 'reqps',
    queries: [{ expr: `sum by (reason) (${rate('sidecar_injector_admission_reviews_total', 'outcome="refused"')})`, legend: '{{reason}}' }],
  },
  {
    title: 'Review latency',
    description: 'First byte to last byte of a webhook request, as the service measures it. The apiserver gives up at the webhook timeout.',
    unit: 's',
    queries: [0.5, 0.9, 0.99].map((quantile) => ({
      expr: `histogram_quantile(${quantile}, sum by (le) (${rate('sidecar_injector_admission_duration_seconds_bucket')}))`,
      legend: `p${quantile * 100}`,
    })),
  },
  {
    title: 'Webhook responses by HTTP code',
    description: '200 carries a review answer; 4xx and 5xx are requests that got none (with failurePolicy Fail, refused pods).',
    unit: 'reqps',
    queries: [{ expr: `sum by (code) (${rate('sidecar_injector_webhook_responses_total')})`, legend: '{{code}}' }],
  },
  {
    title: 'Requests in flight',
    description: 'Webhook requests received and not yet answered, per replica.',
    unit: 'short',
    queries: [{ expr: `sum by (pod) (sidecar_injector_webhook_requests_in_flight${sel()})`, legend: '{{pod}}' }],
  },
  {
    title: 'Sidecar template reloads',
    description: 'Loads of the templates file by result; a failed one keeps the last good version serving.',
    unit: 'short',
    queries: [{ expr: `sum by (result) (increase(sidecar_injector_config_reloads_total${sel()}[$__rate_interval]))`, legend: '{{result}}' }],
  },
  {
    title: 'Sidecar templates serving',
    description: 'Generation of the templates now serving, and whether the newest file on disk is that one (0: a change was rejected).',
    unit: 'short',
    queries: [
      { expr: `max by (pod) (sidecar_injector_config_generation${sel()})`, legend: 'generation {{pod}}' },
      { expr: `min by (pod) (sidecar_injector_config_last_reload_successful${sel()})`, legend: 'newest accepted {{pod}}' },
    ],
  },
  {
    title: 'Kubernetes Events',
    description: 'Injected and InjectionRefused Events per second by result: sent, failed (the apiserver refused or was unreachable), duplicate (suppressed within a minute), dropped (queue full). Admission never waits on them.',
    unit: 'short',
    queries: [{ expr: `sum by (result) (${rate('sidecar_injector_kubernetes_events_total')})`, legend: '{{result}}' }],
  },
  {
    title: 'Certificate expires in',
    description: 'Time left on each replica’s serving certificate; renewal starts TLS_RENEW_BEFORE ahead of expiry.',
    unit: 's',
    queries: [{ expr: `min by (pod) (sidecar_injector_certificate_expiry_timestamp_seconds${sel()}) - time()`, legend: '{{pod}}' }],
  },
  {
    title: 'Registration',
    description: 'Each replica’s registration phase (disabled, pending, registered, failing), and whether the apiserver holds the webhook with the CA it serves.',
    unit: 'short',
    queries: [
      { expr: `max by (pod, phase) (sidecar_injector_registration_state${sel()}) == 1`, legend: '{{pod}}: {{phase}}' },
      { expr: `min by (pod) (sidecar_injector_webhook_registered${sel()})`, legend: 'registered with current CA {{pod}}' },
    ],
  },
  {
    title: 'Event-loop lag',
    description: 'How late the event loop runs (p50, p99), per replica: every review waits behind it.',
    unit: 's',
    queries: [
      { expr: `max by (pod) (sidecar_injector_nodejs_eventloop_lag_p50_seconds${sel()})`, legend: 'p50 {{pod}}' },
      { expr: `max by (pod) (sidecar_injector_nodejs_eventloop_lag_p99_seconds${sel()})`, legend: 'p99 {{pod}}' },
    ],
  },
  {
    title: 'Memory',
    description: 'Resident memory and V8 heap used, per replica (limit in the Deployment).',
    unit: 'bytes',
    queries: [
      { expr: `sum by (pod) (sidecar_injector_process_resident_memory_bytes${sel()})`, legend: 'resident {{pod}}' },
      { expr: `sum by (pod) (sidecar_injector_nodejs_heap_size_used_bytes${sel()})`, legend: 'heap used {{pod}}' },
    ],
  },
  {
    title: 'CPU',
    description: 'CPU seconds per second, per replica.',
    unit: 'short',
    queries: [{ expr: `sum by (pod) (${rate('sidecar_injector_process_cpu_seconds_total')})`, legend: '{{pod}}' }],
  },
];
