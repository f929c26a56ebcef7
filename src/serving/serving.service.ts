import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Subject, type Subscription } from 'rxjs';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { CertificatesService } from '../certificates/certificates.service.ts';
import type { ServingIdentity } from '../certificates/serving-identity.ts';
import { answerClientErrorsAsJson } from './client-errors.ts';
import { gated } from './listener-gate.ts';
import { tlsOptions } from './tls-options.ts';

/**
 * The apiserver's webhook client keeps idle connections for 90 s; closing them sooner
 * races its next request on the same connection, so the client is left to close first.
 */
const KEEP_ALIVE_TIMEOUT_MS = 120_000;
/** The apiserver gives up on a webhook after at most 30 s; nothing legitimate takes longer. */
const REQUEST_TIMEOUT_MS = 30_000;
const HEADERS_TIMEOUT_MS = 20_000;

type RequestHandler = (request: IncomingMessage, response: ServerResponse) => void;

/** One answered request on the webhook port, as the client saw it: status and time from first byte to last. */
export interface WebhookResponse {
  readonly status: number;
  readonly durationSeconds: number;
}

/**
 * Owns the two listeners: the webhook over HTTPS on PORT (its certificate swapped in place
 * on every renewal) and probes and metrics over plain HTTP on HEALTH_PORT. On shutdown it
 * stops accepting, lets every review already received finish, then closes.
 */
@Injectable()
export class ServingService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ServingService.name);
  private webhookServer: HttpsServer | undefined;
  private healthServer: HttpServer | undefined;
  private identitySubscription: Subscription | undefined;
  /** Responses not yet finished: reviews in flight. */
  private readonly inFlight = new Set<ServerResponse>();
  private drainingSince: number | undefined;
  private onIdle: (() => void) | undefined;
  private readonly listening: Promise<void>;
  private resolveListening!: () => void;
  readonly responses$ = new Subject<WebhookResponse>();

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly certificates: CertificatesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.listening = new Promise((resolve) => (this.resolveListening = resolve));
  }

  async onApplicationBootstrap(): Promise<void> {
    const app = this.adapterHost.httpAdapter.getInstance<RequestHandler>();
    this.healthServer = createHttpServer(gated('health', app));
    answerClientErrorsAsJson(this.healthServer);
    await listen(this.healthServer, this.config.healthPort);
    const first = this.certificates.current();
    if (first) await this.serve(first, app);
    this.identitySubscription = this.certificates.identity$.subscribe((identity) => {
      this.serve(identity, app).catch((error: unknown) => this.logger.error({ msg: 'cannot serve the webhook', error }));
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.identitySubscription?.unsubscribe();
    this.drainingSince = Date.now();
    const server = this.webhookServer;
    if (server) {
      this.logger.log({ msg: 'draining: no new connections; finishing reviews in flight', signal, inFlight: this.inFlight.size });
      // Their connections close once they are answered, so the client does not reuse a closing socket.
      for (const response of this.inFlight) if (!response.headersSent) response.setHeader('Connection', 'close');
      server.close();
      server.closeIdleConnections();
      const deadline = Math.max(this.config.shutdownTimeoutMs - 1_000, 0);
      const drained = await this.whenIdle(deadline);
      if (!drained) this.logger.warn({ msg: 'shutdown timeout reached with reviews still in flight; closing them', inFlight: this.inFlight.size });
      server.closeAllConnections();
    }
    this.healthServer?.close();
    this.healthServer?.closeAllConnections();
  }

  /** Resolves once the webhook accepts connections. */
  whenListening(): Promise<void> {
    return this.listening;
  }

  get isListening(): boolean {
    return this.webhookServer?.listening === true;
  }

  get isDraining(): boolean {
    return this.drainingSince !== undefined;
  }

  /** Actual ports, which differ from the configured ones when those are 0 (tests). */
  get webhookPort(): number | undefined {
    return (this.webhookServer?.address() as AddressInfo | null)?.port;
  }

  get healthPort(): number | undefined {
    return (this.healthServer?.address() as AddressInfo | null)?.port;
  }

  private async serve(identity: ServingIdentity, app: RequestHandler): Promise<void> {
    const options = tlsOptions(identity.certificate, identity.key);
    if (this.webhookServer) {
      this.webhookServer.setSecureContext(options);
      return;
    }
    const server = createHttpsServer({ ...options, keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, headersTimeout: HEADERS_TIMEOUT_MS }, gated('webhook', app));
    server.prependListener('request', (_request: IncomingMessage, response: ServerResponse) => this.track(response));
    server.on('tlsClientError', (error: Error) => this.logger.debug?.({ msg: 'TLS handshake failed', error: error.message }));
    answerClientErrorsAsJson(server, () => this.inFlight);
    this.webhookServer = server;
    await listen(server, this.config.port);
    this.logger.log({ msg: 'webhook serving over HTTPS', port: this.webhookPort, healthPort: this.healthPort });
    this.resolveListening();
  }

  private track(response: ServerResponse): void {
    const started = process.hrtime.bigint();
    this.inFlight.add(response);
    // A connection that brings a request while draining is served, then closed.
    if (this.isDraining) response.setHeader('Connection', 'close');
    response.once('close', () => {
      this.inFlight.delete(response);
      if (this.responses$.observed) {
        // A response closed before it finished was never delivered: 499, as nginx counts it.
        const status = response.writableFinished ? response.statusCode : 499;
        this.responses$.next({ status, durationSeconds: Number(process.hrtime.bigint() - started) / 1e9 });
      }
      if (this.inFlight.size === 0) this.onIdle?.();
    });
  }

  get requestsInFlight(): number {
    return this.inFlight.size;
  }

  private whenIdle(timeoutMs: number): Promise<boolean> {
    if (this.inFlight.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}

function listen(server: HttpServer | HttpsServer, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
