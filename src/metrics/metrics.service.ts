import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { Subscription } from 'rxjs';
import { InjectionService } from '../admission/injection.service.ts';
import { CertificatesService } from '../certificates/certificates.service.ts';
import { EVENT_RESULTS, EventsService } from '../events/events.service.ts';
import { ServingService } from '../serving/serving.service.ts';
import { SidecarConfigService } from '../sidecar-config/sidecar-config.service.ts';
import { RegistrationService, type RegistrationState } from '../webhook-registration/registration.service.ts';

const PREFIX = 'sidecar_injector_';
/** Sub-millisecond buckets: a healthy review takes well under one. */
const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const REGISTRATION_PHASES: readonly RegistrationState['phase'][] = ['disabled', 'pending', 'registered', 'failing'];

/**
 * Prometheus metrics, fed by the observables other modules publish, so no module on the
 * admission path knows metrics exist. One registry per application instance (tests start
 * several in one process).
 */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  readonly registry = new Registry();
  private readonly subscriptions = new Subscription();

  private readonly reviews = new Counter({
    name: `${PREFIX}admission_reviews_total`,
    help: 'Admission reviews answered, by outcome (injected, skipped, refused) and reason',
    labelNames: ['outcome', 'reason'] as const,
    registers: [this.registry],
  });
  private readonly responses = new Counter({
    name: `${PREFIX}webhook_responses_total`,
    help: 'HTTP responses on the webhook port by status code; 4xx and 5xx are requests that got no review answer',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  private readonly latency = new Histogram({
    name: `${PREFIX}admission_duration_seconds`,
    help: 'Time from the first byte of a webhook request to the last byte of its answer',
    labelNames: ['code'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  private readonly eventResults = new Counter({
    name: `${PREFIX}kubernetes_events_total`,
    help: 'Kubernetes Events by result: queued, sent, failed, duplicate (suppressed within a minute), dropped (queue full)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });
  private readonly configReloads = new Counter({
    name: `${PREFIX}config_reloads_total`,
    help: 'Sidecar config loads by result (ok, failed)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  constructor(
    private readonly injection: InjectionService,
    private readonly sidecarConfig: SidecarConfigService,
    private readonly certificates: CertificatesService,
    private readonly registration: RegistrationService,
    private readonly serving: ServingService,
    private readonly events: EventsService,
  ) {}

  onModuleInit(): void {
    collectDefaultMetrics({ register: this.registry, prefix: PREFIX });
    this.scrapedGauges();
    // Labelled children are looked up once per label set: hashing labels on every request shows in profiles.
    const reviews = memoize((key: string) => this.reviews.labels(...(key.split('|') as [string, string])));
    const responses = memoize((code: string) => ({ count: this.responses.labels(code), latency: this.latency.labels(code) }));
    this.subscriptions.add(this.injection.outcomes$.subscribe(({ decision }) => reviews(`${decision.outcome}|${decision.outcome === 'injected' ? '' : decision.reason}`).inc()));
    this.subscriptions.add(
      this.serving.responses$.subscribe(({ status, durationSeconds }) => {
        const child = responses(String(status));
        child.count.inc();
        child.latency.observe(durationSeconds);
      }),
    );
    for (const result of EVENT_RESULTS) this.eventResults.inc({ result }, 0);
    this.subscriptions.add(this.events.results$.subscribe((result) => this.eventResults.inc({ result })));
    // The file was first loaded before this service existed.
    this.configReloads.inc({ result: 'ok' }, this.sidecarConfig.generation);
    this.subscriptions.add(this.sidecarConfig.events$.subscribe((event) => this.configReloads.inc({ result: event.outcome === 'loaded' ? 'ok' : 'failed' })));
  }

  onModuleDestroy(): void {
    this.subscriptions.unsubscribe();
  }

  /** Gauges read from their source at scrape time, so they are never stale. */
  private scrapedGauges(): void {
    const { certificates, registration, serving, sidecarConfig } = this;
    const registers = [this.registry];
    new Gauge({
      name: `${PREFIX}config_generation`,
      help: 'Generation of the sidecar config now serving (1 at start, +1 per accepted change)',
      registers,
      collect() {
        this.set(sidecarConfig.generation);
      },
    });
    new Gauge({
      name: `${PREFIX}config_last_reload_successful`,
      help: '1 when the newest sidecar config on disk is the one serving, 0 while a rejected change waits to be fixed',
      registers,
      collect() {
        this.set(sidecarConfig.lastError === undefined ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}certificate_expiry_timestamp_seconds`,
      help: 'When the serving certificate expires (Unix time); 0 when there is none',
      registers,
      collect() {
        this.set((certificates.current()?.notAfter.getTime() ?? 0) / 1000);
      },
    });
    new Gauge({
      name: `${PREFIX}registration_state`,
      help: 'Webhook registration phase: 1 for the current one (disabled, pending, registered, failing)',
      labelNames: ['phase'] as const,
      registers,
      collect() {
        for (const phase of REGISTRATION_PHASES) this.set({ phase }, registration.state.phase === phase ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}webhook_registered`,
      help: '1 when the apiserver holds the webhook with the CA bundle being served (or registration is off), else 0',
      registers,
      collect() {
        this.set(registration.isSatisfied ? 1 : 0);
      },
    });
    new Gauge({
      name: `${PREFIX}webhook_requests_in_flight`,
      help: 'Webhook requests received and not yet answered',
      registers,
      collect() {
        this.set(serving.requestsInFlight);
      },
    });
  }
}

function memoize<T>(make: (key: string) => T): (key: string) => T {
  const cache = new Map<string, T>();
  return (key) => {
    let value = cache.get(key);
    if (value === undefined) cache.set(key, (value = make(key)));
    return value;
  };
}
