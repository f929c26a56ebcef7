import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { BehaviorSubject, distinctUntilChanged, filter, map, type Observable } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { FilesSource, SelfSignedSource, type IdentitySource } from './identity-sources.ts';
import { toServingIdentity, type ServingIdentity } from './serving-identity.ts';
import type { TlsState } from './tls-state.ts';
import { DirectoryTlsStore } from './tls-store.ts';
import { servingHostnames, requiredHostnames } from './hostnames.ts';

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
  private problemText: string | undefined = 'no certificate loaded yet';

  readonly identity$: Observable<ServingIdentity> = this.identity.pipe(
    filter((identity): identity is ServingIdentity => identity !== undefined),
    distinctUntilChanged((a, b) => a.fingerprint === b.fingerprint && a.caBundle === b.caBundle),
  );
  readonly caBundle$: Observable<string | undefined> = this.identity$.pipe(
    map((identity) => identity.caBundle),
    distinctUntilChanged(),
  );

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    const tls = config.tls;
    this.source =
      tls.mode === 'files'
        ? new FilesSource(tls.dir, requiredHostnames(config))
        : new SelfSignedSource(new DirectoryTlsStore(tls.dir), {
            hostnames: servingHostnames(config),
            certValidityMs: tls.certValidityMs,
            caValidityMs: tls.caValidityMs,
            renewBeforeMs: tls.renewBeforeMs,
          });
  }

  async onModuleInit(): Promise<void> {
    await this.source.start({
      accept: (state, changes) => this.accept(state, changes),
      reject: (problem) => this.reject(problem),
    });
    if (!this.identity.value && this.config.tls.mode === 'self-signed') throw new Error(this.problemText);
  }

  onModuleDestroy(): void {
    this.source.stop();
    this.identity.complete();
  }

  current(): ServingIdentity | undefined {
    return this.identity.value;
  }

  /** Why there is no usable certificate, or why the newest one was refused. */
  get problem(): string | undefined {
    return this.problemText;
  }

  private accept(state: TlsState, changes: readonly string[]): void {
    const identity = toServingIdentity(state);
    const previous = this.identity.value;
    this.problemText = undefined;
    this.identity.next(identity);
    if (previous?.fingerprint === identity.fingerprint && previous.caBundle === identity.caBundle) return;
    this.logger.log({
      msg: changes.length > 0 ? 'serving certificate updated' : 'serving certificate loaded',
      reasons: changes,
      fingerprint: identity.fingerprint.slice(0, 16),
      notAfter: identity.notAfter.toISOString(),
      caCertificates: identity.caBundle ? state.caCertificates.length : 0,
    });
  }

  private reject(problem: string): void {
    // A refused update keeps the last good certificate serving; only "none at all" is fatal to readiness.
    this.problemText = this.identity.value ? undefined : problem;
    this.logger.error({ msg: 'certificate problem', problem, serving: this.identity.value ? 'previous certificate' : 'none' });
  }
}
