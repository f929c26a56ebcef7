import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import type { V1MutatingWebhookConfiguration } from '@kubernetes/client-node';
import { BehaviorSubject, type Subscription } from 'rxjs';
import { Backoff } from '../common/backoff.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { CertificatesService } from '../certificates/certificates.service.ts';
import { statusOf } from '../kubernetes/api-errors.ts';
import { discoverKubernetes, type KubeClients, type KubernetesAccess } from '../kubernetes/kube-clients.ts';
import { KUBERNETES } from '../kubernetes/kubernetes.module.ts';
import { keepWatching } from '../kubernetes/watch-loop.ts';
import { ServingService } from '../serving/serving.service.ts';
import { adviceFor } from './api-advice.ts';
import { buildWebhookConfiguration, findDrift, FIELD_MANAGER } from './webhook-configuration.ts';

export type RegistrationState =
  | { readonly phase: 'disabled'; readonly reason: string }
  | { readonly phase: 'pending'; readonly reason: string }
  | { readonly phase: 'registered'; readonly caBundle: string | undefined }
  | { readonly phase: 'failing'; readonly reason: string };

/** A safety net behind the watch: a lost watch must not leave drift unrepaired for long. */
const RESYNC_INTERVAL_MS = 60_000;

/**
 * Keeps the service's MutatingWebhookConfiguration true: applied (server-side, never
 * deleted and recreated) once the HTTPS listener is up, re-applied when the CA bundle
 * changes, and repaired within seconds when someone deletes or edits it.
 */
@Injectable()
export class RegistrationService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RegistrationService.name);
  private readonly backoff = new Backoff();
  private clients: KubeClients | undefined;
  private caBundle: string | undefined;
  /** Until the certificates module has said which CA bundle to publish, nothing is applied (undefined is a valid answer: files without a CA). */
  private bundleKnown = false;
  private bundleSubscription: Subscription | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private resyncTimer: NodeJS.Timeout | undefined;
  private stopWatch: (() => void) | undefined;
  private syncing: Promise<void> | undefined;
  private syncAgain = false;
  private stopped = false;
  readonly state$: BehaviorSubject<RegistrationState>;

  constructor(
    @Inject(KUBERNETES) private readonly access: KubernetesAccess,
    private readonly certificates: CertificatesService,
    private readonly serving: ServingService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    const { registration } = config.webhook;
    const initial: RegistrationState =
      registration === 'disabled'
        ? { phase: 'disabled', reason: 'WEBHOOK_REGISTRATION=disabled' }
        : registration === 'auto' && !access.clients
          ? { phase: 'disabled', reason: `WEBHOOK_REGISTRATION=auto and ${access.reason}` }
          : { phase: 'pending', reason: 'waiting for the HTTPS listener' };
    this.state$ = new BehaviorSubject<RegistrationState>(initial);
  }

  get state(): RegistrationState {
    return this.state$.value;
  }

  /** Readiness: true when registration is off, or done with the CA bundle now served. */
  get isSatisfied(): boolean {
    const state = this.state;
    return state.phase === 'disabled' || (state.phase === 'registered' && state.caBundle === this.certificates.current()?.caBundle);
  }

  onApplicationBootstrap(): void {
    const state = this.state;
    if (state.phase === 'disabled') {
      this.logger.log({ msg: 'not registering the webhook; serving anyway', reason: state.reason });
      return;
    }
    void this.serving.whenListening().then(() => this.begin());
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.bundleSubscription?.unsubscribe();
    clearTimeout(this.retryTimer);
    clearInterval(this.resyncTimer);
    this.stopWatch?.();
    await this.syncing;
    if (this.config.webhook.cleanupOnShutdown && this.clients) await this.remove(this.clients);
  }

  private async begin(): Promise<void> {
    if (this.stopped) return;
    // A kubeconfig may appear after start (a mounted file); enabled mode keeps looking.
    const access = this.access.clients ? this.access : await discoverKubernetes(this.config);
    if (!access.clients) {
      this.fail(`WEBHOOK_REGISTRATION=enabled but ${access.reason}`, true);
      this.retryTimer = setTimeout(() => void this.begin(), this.backoff.next()).unref();
      return;
    }
    const clients = (this.clients = access.clients);
    this.logger.log({ msg: 'registering the webhook', name: this.config.webhook.name, via: clients.source, target: this.config.webhook.url ?? `service ${this.config.webhook.serviceNamespace}/${this.config.webhook.serviceName}` });
    this.bundleSubscription = this.certificates.caBundle$.subscribe((bundle) => {
      this.caBundle = bundle;
      this.bundleKnown = true;
      this.requestSync('the CA bundle changed');
    });
    this.startWatch(clients);
    this.resyncTimer = setInterval(() => void this.checkDrift('periodic check'), RESYNC_INTERVAL_MS).unref();
  }

  private desired(): V1MutatingWebhookConfiguration {
    return buildWebhookConfiguration(this.config.webhook, this.config.podNamespace, this.caBundle);
  }

  /** Coalesces requests: at most one apply runs, and one more follows if anything asked meanwhile. */
  private requestSync(why: string): void {
    // A configuration applied before the bundle is known would tell the apiserver to trust nothing, or the wrong CA.
    if (this.stopped || !this.bundleKnown) return;
    if (this.syncing) {
      this.syncAgain = true;
      return;
    }
    this.syncing = this.apply(why).finally(() => {
      this.syncing = undefined;
      if (this.syncAgain) {
        this.syncAgain = false;
        this.requestSync('a change arrived during the last apply');
      }
    });
  }

  private async apply(why: string): Promise<void> {
    const clients = this.clients!;
    const bundle = this.caBundle;
    clearTimeout(this.retryTimer);
    try {
      await clients.apply(this.desired(), FIELD_MANAGER);
      const wasRegistered = this.state.phase === 'registered';
      this.state$.next({ phase: 'registered', caBundle: bundle });
      this.backoff.reset();
      this.logger.log({ msg: wasRegistered ? 'webhook configuration updated' : 'webhook configuration registered', name: this.config.webhook.name, why });
    } catch (error) {
      this.fail(adviceFor(error, 'apply', this.config.webhook.name, clients.kubeConfig.getCurrentCluster()?.server));
      if (!this.stopped) this.retryTimer = setTimeout(() => this.requestSync('retrying after a failure'), this.backoff.next()).unref();
    }
  }

  private fail(reason: string, initial = false): void {
    // Once registered with this bundle, an outage only delays repairs: what the apiserver holds still works.
    const keep = this.state.phase === 'registered' && !initial;
    this.logger.error({ msg: 'webhook registration failed', reason, stillRegistered: keep });
    if (!keep) this.state$.next({ phase: 'failing', reason });
  }

  private startWatch(clients: KubeClients): void {
    if (this.stopped) return;
    const name = this.config.webhook.name;
    this.stopWatch = keepWatching<V1MutatingWebhookConfiguration>({
      clients,
      path: '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
      name,
      onEvent: (type, object) => {
        if (type === 'DELETED') return this.requestSync('someone deleted the configuration');
        if (type !== 'ADDED' && type !== 'MODIFIED') return;
        const drift = findDrift(this.desired(), object);
        if (drift && !this.syncing) {
          this.logger.warn({ msg: 'repairing the webhook configuration', drift });
          this.requestSync(`repairing drift: ${drift}`);
        }
      },
      onReconnect: () => void this.checkDrift('the watch reconnected'),
      onError: (error) => this.logger.warn({ msg: 'webhook configuration watch failed; retrying', reason: adviceFor(error, 'watch', name, undefined) }),
    });
  }

  private async checkDrift(why: string): Promise<void> {
    if (!this.clients || this.syncing) return;
    try {
      const actual = await this.clients.admission.readMutatingWebhookConfiguration({ name: this.config.webhook.name });
      const drift = findDrift(this.desired(), actual);
      if (drift) this.requestSync(`${why}: ${drift}`);
    } catch (error) {
      if (statusOf(error) === 404) this.requestSync(`${why}: the configuration does not exist`);
      else this.logger.warn({ msg: 'periodic webhook check failed', reason: adviceFor(error, 'read', this.config.webhook.name, undefined) });
    }
  }

  private async remove(clients: KubeClients): Promise<void> {
    try {
      await clients.admission.deleteMutatingWebhookConfiguration({ name: this.config.webhook.name });
      this.logger.log({ msg: 'webhook configuration removed (WEBHOOK_CLEANUP_ON_SHUTDOWN)', name: this.config.webhook.name });
    } catch (error) {
      if (statusOf(error) !== 404) this.logger.error({ msg: 'cannot remove the webhook configuration', reason: adviceFor(error, 'delete', this.config.webhook.name, undefined) });
    }
  }
}
