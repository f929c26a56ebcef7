import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'node:https';
import { connect, type TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { CertificatesService } from '../src/certificates/certificates.service.ts';
import type { ServingIdentity } from '../src/certificates/serving-identity.ts';
import { loadGoldenCases } from './support/golden-cases.ts';
import { startService, type RunningService } from './support/service.ts';

const body = JSON.stringify(loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review);
/** How stale a client's copy of the CA bundle may be: the apiserver learns a new one through a watch, not instantly. */
const BUNDLE_LAG_MS = 500;
const NEW_CONNECTION_WORKERS = 3;
const KEEP_ALIVE_WORKERS = 2;

let service: RunningService | undefined;

afterEach(async () => {
  await service?.close();
  service = undefined;
});

interface Answer {
  readonly at: number;
  readonly leaf: string;
  readonly socket: number;
  readonly keptAlive: boolean;
}

/**
 * Continuous admission reviews from clients that verify the server against the published
 * CA bundle, as the apiserver does: some open a new connection per request, some keep one
 * open (and, like the apiserver, rebuild their client when the bundle changes).
 */
class Load {
  readonly answers: Answer[] = [];
  readonly failures: string[] = [];
  readonly bundleSizes: number[] = [];
  private bundle: string;
  private stopped = false;
  private readonly sockets = new WeakMap<TLSSocket, number>();
  private nextSocket = 0;
  private readonly refresher: NodeJS.Timeout;
  private readonly workers: Promise<void>[];

  constructor(
    private readonly port: number,
    private readonly published: () => string,
  ) {
    this.bundle = published();
    this.noteBundle();
    this.refresher = setInterval(() => {
      this.bundle = this.published();
      this.noteBundle();
    }, BUNDLE_LAG_MS);
    this.workers = [...Array.from({ length: NEW_CONNECTION_WORKERS }, () => this.newConnections()), ...Array.from({ length: KEEP_ALIVE_WORKERS }, () => this.keepAlive())];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.refresher);
    await Promise.all(this.workers);
  }

  /** Answers since `at` on each keep-alive connection, fewest first. */
  keepAliveAnswersSince(at: number): number {
    const counts = new Map<number, number>();
    for (const answer of this.answers) if (answer.keptAlive && answer.at > at) counts.set(answer.socket, (counts.get(answer.socket) ?? 0) + 1);
    return counts.size < KEEP_ALIVE_WORKERS ? 0 : Math.min(...counts.values());
  }

  /** Keep-alive connections that carried requests both before and after `at`. */
  socketsSpanning(at: number): number {
    const spans = new Map<number, { first: number; last: number }>();
    for (const answer of this.answers) {
      const span = spans.get(answer.socket) ?? { first: answer.at, last: answer.at };
      spans.set(answer.socket, { first: Math.min(span.first, answer.at), last: Math.max(span.last, answer.at) });
    }
    return [...spans.values()].filter((span) => span.first < at && span.last > at).length;
  }

  private noteBundle(): void {
    const size = (this.bundle.match(/BEGIN CERTIFICATE/g) ?? []).length;
    if (this.bundleSizes.at(-1) !== size) this.bundleSizes.push(size);
  }

  private async newConnections(): Promise<void> {
    while (!this.stopped) await this.send(false, this.bundle);
  }

  private async keepAlive(): Promise<void> {
    let bundle = this.bundle;
    let agent = new Agent({ keepAlive: true, maxSockets: 1, ca: bundle, servername: 'localhost' });
    while (!this.stopped) {
      if (bundle !== this.bundle) {
        agent.destroy();
        bundle = this.bundle;
        agent = new Agent({ keepAlive: true, maxSockets: 1, ca: bundle, servername: 'localhost' });
      }
      await this.send(agent, bundle);
    }
    agent.destroy();
  }

  private send(agent: Agent | false, ca: string): Promise<void> {
    return new Promise((resolve) => {
      const fail = (reason: string): void => {
        this.failures.push(`${new Date().toISOString()} ${agent ? 'keep-alive' : 'new connection'}: ${reason}`);
        resolve();
      };
      const options = { host: '127.0.0.1', port: this.port, method: 'POST', path: '/inject', headers: { 'content-type': 'application/json' } };
      const outgoing = request(agent ? { ...options, agent } : { ...options, agent: false, ca, servername: 'localhost' }, (response) => {
        // Taken now: a keep-alive socket is detached from the response by the time it ends.
        const socket = response.socket as TLSSocket;
        if (!this.sockets.has(socket)) this.sockets.set(socket, this.nextSocket++);
        const answered = { leaf: socket.getPeerCertificate().fingerprint256, socket: this.sockets.get(socket)!, keptAlive: agent !== false };
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', (error) => fail(error.message));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          if (response.statusCode !== 200 || !text.includes('"allowed":true')) return fail(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
          this.answers.push({ at: Date.now(), ...answered });
          resolve();
        });
      });
      outgoing.on('error', (error) => fail(error.message));
      outgoing.end(body);
    });
  }
}

function protocolOf(port: number, ca: string, options: { minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2'; maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2'; ciphers?: string }): Promise<{ protocol: string | null; leaf: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', ...options }, () => {
      resolve({ protocol: socket.getProtocol(), leaf: socket.getPeerCertificate().fingerprint256 });
      socket.end();
    });
    socket.on('error', reject);
  });
}

async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function watch(running: RunningService) {
  const certificates = running.app.get(CertificatesService);
  const swaps: { at: number; identity: ServingIdentity }[] = [];
  const subscription = certificates.identity$.subscribe((identity) => swaps.push({ at: Date.now(), identity }));
  return { certificates, swaps: () => swaps.slice(1), stop: () => subscription.unsubscribe() };
}

describe('rotation under continuous requests', () => {
  it('renews the serving certificate every ~2 s with zero failed requests, new connections and keep-alive alike', { timeout: 60_000 }, async () => {
    service = await startService({ TLS_CERT_VALIDITY: '6s', TLS_RENEW_BEFORE: '4s' });
    const { certificates, swaps, stop } = watch(service);
    const load = new Load(service.port, () => certificates.current()!.caBundle!);
    // Waits for enough of both, however fast this machine is today, rather than for a time.
    await until(() => swaps().length >= 3 && load.answers.length > 200, 30_000);
    const watched = swaps();
    // Each keep-alive connection carries a request after the last swap watched.
    await until(() => load.keepAliveAnswersSince(watched.at(-1)!.at) > 0, 5_000);
    await load.stop();
    stop();

    expect(load.failures).toEqual([]);
    expect(new Set(load.answers.map((answer) => answer.leaf)).size).toBeGreaterThanOrEqual(4);
    // Connections opened before a swap keep their certificate and keep working after it.
    for (const swap of watched) expect(load.socketsSpanning(swap.at)).toBeGreaterThanOrEqual(KEEP_ALIVE_WORKERS);
  });

  it('still refuses TLS 1.0 and 1.1 after a certificate swap, and serves TLS 1.2 with the new certificate', { timeout: 20_000 }, async () => {
    service = await startService({ TLS_CERT_VALIDITY: '4s', TLS_RENEW_BEFORE: '3s' });
    const { certificates, swaps, stop } = watch(service);
    await until(() => swaps().length >= 1, 10_000);
    stop();
    const current = certificates.current()!;
    const ca = current.caBundle!;
    for (const version of ['TLSv1', 'TLSv1.1'] as const) {
      // SECLEVEL=0 lets this client offer the old protocols; without it the refusal would be the client's own.
      await expect(protocolOf(service.port, ca, { minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow(/protocol version|unsupported protocol|wrong version/i);
    }
    const modern = await protocolOf(service.port, ca, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    expect(modern.protocol).toBe('TLSv1.2');
    const served = certificates.current()!;
    expect([current.fingerprint, served.fingerprint].map((hex) => hex.toUpperCase())).toContain(modern.leaf.replace(/:/g, ''));
  });

  it('rolls the CA over with zero failed requests: both CAs published first, then the certificate moves, then the old CA goes', { timeout: 40_000 }, async () => {
    service = await startService({ TLS_CERT_VALIDITY: '6s', TLS_RENEW_BEFORE: '4s', TLS_CA_VALIDITY: '10s' });
    const { certificates, swaps, stop } = watch(service);
    const load = new Load(service.port, () => certificates.current()!.caBundle!);
    const firstCa = new X509Certificate(certificates.current()!.caBundle!);
    await until(() => load.bundleSizes.join(',').startsWith('1,2,1'), 25_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    await load.stop();
    stop();

    expect(load.failures).toEqual([]);
    const issuers = new Set(swaps().map((swap) => new X509Certificate(swap.identity.certificate).issuer));
    expect(issuers.size).toBeGreaterThanOrEqual(2);
    const final = certificates.current()!;
    expect(final.caBundle).not.toContain(firstCa.toString().trim());
    expect(new X509Certificate(final.certificate).checkIssued(new X509Certificate(final.caBundle!))).toBe(true);
    expect(service.logs.some((line) => (line['reasons'] as string[] | undefined)?.includes('the new CA has rolled out; moving the serving certificate to it'))).toBe(true);
  });
});
