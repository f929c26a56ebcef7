import { randomBytes } from 'node:crypto';
import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { EventsV1Event } from '@kubernetes/client-node';
import { Subject, type Subscription } from 'rxjs';
import { InjectionService, type ReviewOutcome } from '../admission/injection.service.ts';
import { clip } from '../common/clip.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { messageOf } from '../kubernetes/api-errors.ts';
import type { KubeClients, KubernetesAccess } from '../kubernetes/kube-clients.ts';
import { KUBERNETES } from '../kubernetes/kubernetes.module.ts';
import { EventQueue, type EnqueueResult } from './event-queue.ts';
import { eventName, podEventFor, type PodEvent } from './pod-event.ts';

export type EventResult = EnqueueResult | 'sent' | 'failed';
const RESULTS: Readonly<Record<EventResult, null>> = { queued: null, duplicate: null, dropped: null, sent: null, failed: null };
/** Every result, all of them: metrics start each at 0, so a dashboard has the series before the first Event. */
export const EVENT_RESULTS = Object.keys(RESULTS) as readonly EventResult[];

const REPORTING_CONTROLLER = 'sidecar-injector.io/injector';
const LIMITS = { maxPending: 200, perSecond: 10, burst: 50, dedupeWindowMs: 60_000 };
const FAILURE_LOG_INTERVAL_MS = 60_000;

/**
 * Records Kubernetes Events about admissions, so a person sees what happened with
 * `kubectl describe`. Strictly off the admission path: outcomes are queued synchronously
 * and sent later, rate-limited; under pressure, events are dropped, never reviews delayed.
 */
@Injectable()
export class EventsService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(EventsService.name);
  private readonly queue = new EventQueue<PodEvent>(LIMITS);
  private subscription: Subscription | undefined;
  private timer: NodeJS.Timeout | undefined;
  private sending = false;
  private stopped = false;
  private failuresSinceLog = 0;
  private lastFailureLog = 0;
  readonly results$ = new Subject<EventResult>();

  constructor(
    @Inject(KUBERNETES) private readonly access: KubernetesAccess,
    private readonly injection: InjectionService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    const clients = this.access.clients;
    if (!clients) return;
    this.subscription = this.injection.outcomes$.subscribe((outcome) => {
      // An error escaping a subscriber is rethrown by RxJS outside any request, which ends the process.
      try {
        this.record(outcome, clients);
      } catch (error) {
        this.results$.next('failed');
        this.logger.warn({ msg: 'cannot describe an admission as a Kubernetes event (the admission is unaffected)', uid: outcome.request.uid, error: clip(String((error as Error)?.message), 1_024) });
      }
    });
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.subscription?.unsubscribe();
    clearTimeout(this.timer);
    if (this.queue.size > 0) this.logger.log({ msg: 'events not sent before shutdown', count: this.queue.size });
  }

  private record(outcome: ReviewOutcome, clients: KubeClients): void {
    const event = podEventFor(outcome);
    if (!event) return;
    const { regarding } = event;
    const result = this.queue.enqueue(`${regarding.namespace}/${regarding.kind}/${regarding.name}/${event.reason}/${event.note}`, event);
    this.results$.next(result);
    if (result === 'queued') this.pump(clients);
  }

  private pump(clients: KubeClients): void {
    if (this.sending || this.stopped) return;
    const next = this.queue.take();
    if (!next) return;
    if ('waitMs' in next) {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.pump(clients), next.waitMs).unref();
      return;
    }
    this.sending = true;
    void this.send(clients, next.item).finally(() => {
      this.sending = false;
      this.pump(clients);
    });
  }

  private async send(clients: KubeClients, event: PodEvent): Promise<void> {
    const { regarding } = event;
    const body: EventsV1Event = {
      metadata: { name: eventName(regarding.name, randomBytes(8).toString('hex')), namespace: regarding.namespace },
      eventTime: clients.microTimeNow(),
      reportingController: REPORTING_CONTROLLER,
      reportingInstance: this.config.podName,
      action: 'Inject',
      type: event.type,
      reason: event.reason,
      note: event.note,
      regarding,
    };
    try {
      await clients.events.createNamespacedEvent({ namespace: regarding.namespace, body });
      this.results$.next('sent');
    } catch (error) {
      this.results$.next('failed');
      this.reportFailure(error);
    }
  }

  /** One warning a minute at most: a missing RBAC rule must not flood the log at admission rate. */
  private reportFailure(error: unknown): void {
    this.failuresSinceLog += 1;
    const now = Date.now();
    if (now - this.lastFailureLog < FAILURE_LOG_INTERVAL_MS) return;
    this.logger.warn({ msg: 'cannot record Kubernetes events (admissions are unaffected)', reason: clip(messageOf(error), 1_024), failures: this.failuresSinceLog, hint: 'the service account needs "create" on events.events.k8s.io' });
    this.lastFailureLog = now;
    this.failuresSinceLog = 0;
  }
}
