import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BehaviorSubject, distinctUntilChanged, filter, map, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import type { KubernetesAccess } from '../kubernetes/kube-clients.ts';
import { KUBERNETES } from '../kubernetes/kubernetes.module.ts';
import { chooseIdentitySource } from './identity-source-factory.ts';
import type { IdentityReport, IdentitySource } from './identity-source.ts';
import { toServingIdentity, type ServingIdentity } from './serving-identity.ts';
import type { TlsState } from './tls-state.ts';

/**
 * The webhook's TLS identity. Other modules subscribe to `identity$` (the HTTPS server
 * swaps its context) and `caBundle$` (registration patches the webhook) rather than
 * reading files, so a renewal reaches them the moment it happens.
 */
@Injectable()
export class CertificatesService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CertificatesService.name);
  private readonly identity = new BehaviorSubject<ServingIdentity | undefined>(undefined);
  private readonly source: IdentitySource;
  private readonly mode: AppConfig['tls']['mode'];
  private problemText: string | undefined = 'no certificate loaded yet';

  /** Every identity to serve, stand-ins included. */
  readonly identity$: Observable<ServingIdentity> = this.identity.pipe(
    filter((identity): identity is ServingIdentity => identity !== undefined),
    distinctUntilChanged((a, b) => a.fingerprint === b.fingerprint && a.caBundle === b.caBundle),
  );

  /**
   * The CA bundle to publish. A stand-in's bundle is never published: the other replicas
   * do not serve its CA, so publishing it would break them.
   */
  readonly caBundle$: Observable<string | undefined> = this.identity.pipe(
    filter((identity): identity is ServingIdentity => identity !== undefined && identity.provisional === undefined),
    map((identity) => identity.caBundle),
    distinctUntilChanged(),
  );

  constructor(@Inject(APP_CONFIG) config: AppConfig, @Inject(KUBERNETES) kubernetes: KubernetesAccess) {
    this.mode = config.tls.mode;
    const choice = chooseIdentitySource(config, kubernetes);
    this.source = choice.source;
    if (choice.notice) this.logger.warn({ msg: choice.notice });
  }

  async onModuleInit(): Promise<void> {
    await this.source.start({
      accept: (state, report) => this.accept(state, report),
      reject: (problem) => this.reject(problem),
    });
    // Files mode may wait for its files (not ready meanwhile); a self-signed service with no identity cannot serve at all.
    if (!this.identity.value && this.mode === 'self-signed') throw new Error(this.problemText);
  }

  async onModuleDestroy(): Promise<void> {
    await this.source.stop();
    this.identity.complete();
  }

  current(): ServingIdentity | undefined {
    return this.identity.value;
  }

  /**
   * Why there is no usable certificate, why the newest one was refused, or why a stand-in
   * is serving; undefined when all is well.
   */
  get problem(): string | undefined {
    return this.problemText;
  }

  /** Where the identity comes from: "directory …", "Secret ns/name", "files in …". */
  get sourceDescription(): string {
    return this.source.description;
  }

  private accept(state: TlsState, report: IdentityReport): void {
    const identity = toServingIdentity(state, report.provisional);
    const previous = this.identity.value;
    this.problemText = report.provisional;
    this.identity.next(identity);
    if (report.defects.length > 0) this.logger.warn({ msg: `replaced a bad certificate: ${report.defects.join('; ')}` });
    for (const warning of report.warnings ?? []) this.logger.warn({ msg: `certificate warning: ${warning}` });
    const changed = previous?.fingerprint !== identity.fingerprint || previous.caBundle !== identity.caBundle;
    const details = { fingerprint: identity.fingerprint.slice(0, 16), notAfter: identity.notAfter.toISOString(), caCertificates: state.caCertificates.length, source: this.source.description };
    if (report.provisional) {
      if (changed || previous?.provisional !== report.provisional) this.logger.warn({ msg: `serving a stand-in certificate: ${report.provisional}`, ...details });
    } else if (changed) {
      this.logger.log({ msg: previous ? 'serving certificate updated' : 'serving certificate loaded', reasons: report.changes, ...details });
    } else if (previous?.provisional) {
      this.logger.log({ msg: 'the shared certificate is reachable again and the same as the stand-in; publishing its CA bundle', ...details });
    } else if (report.changes.length > 0) {
      this.logger.log({ msg: 'serving certificate unchanged', reasons: report.changes, ...details });
    }
  }

  private reject(problem: string): void {
    // A refused update keeps the last good certificate serving; readiness fails only without one.
    this.problemText = problem;
    this.logger.error({ msg: `certificate problem: ${problem}`, serving: this.identity.value ? 'previous certificate' : 'none' });
  }
}
