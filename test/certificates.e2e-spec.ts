import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { connect, type PeerCertificate } from 'node:tls';
import type { INestApplication } from '@nestjs/common';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startApplication } from '../src/bootstrap.ts';
import { CertificatesService } from '../src/certificates/certificates.service.ts';
import { createCaCertificate, createServingCertificate, generateRsaKey, keyToPem } from '../src/certificates/x509.ts';
import { loadAppConfig } from '../src/config/app-config.ts';
import { PinoLogger } from '../src/logging/pino-logger.ts';
import { ServingService } from '../src/serving/serving.service.ts';
import { FIXTURE_SIDECARS, loadGoldenCases } from './support/golden-cases.ts';
import { httpGet, webhookClient } from './support/https-client.ts';
import { startService, type RunningService } from './support/service.ts';

const review = loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review;
const SERVICE_NAMES = ['sidecar-injector', 'sidecar-injector.sidecar-injector', 'sidecar-injector.sidecar-injector.svc', 'sidecar-injector.sidecar-injector.svc.cluster.local'];
const cleanups: (() => Promise<void> | void)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function started(env: Record<string, string> = {}): Promise<RunningService> {
  const service = await startService(env);
  cleanups.push(() => service.close());
  return service;
}

interface Handshake {
  readonly authorized: boolean;
  readonly authorizationError: Error | null;
  readonly protocol: string | null;
  readonly peer: PeerCertificate;
}

/** Node's own TLS client, trusting only `ca`, as the apiserver trusts only the caBundle. */
function handshake(port: number, ca: string, options: { servername?: string; minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2'; maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string } = {}): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost', rejectUnauthorized: false, ...options }, () => {
      resolve({ authorized: socket.authorized, authorizationError: socket.authorizationError, protocol: socket.getProtocol(), peer: socket.getPeerCertificate() });
      socket.end();
    });
    socket.on('error', reject);
  });
}

function certificates(app: INestApplication): CertificatesService {
  return app.get(CertificatesService);
}

describe('the served certificate', () => {
  let service: RunningService;

  beforeAll(async () => {
    service = await startService();
    return () => service.close();
  });

  it('chains to the published CA bundle, covers every Service name and TLS_HOSTNAMES, and matches the served key', async () => {
    const identity = certificates(service.app).current()!;
    expect(identity.caBundle).toBe(service.ca);
    const served = await handshake(service.port, service.ca);
    expect(served.authorizationError).toBeNull();
    expect(served.authorized).toBe(true);
    const leaf = new X509Certificate(served.peer.raw);
    expect(leaf.fingerprint256).toBe(served.peer.fingerprint256);
    expect(leaf.checkPrivateKey(createPrivateKey(identity.key))).toBe(true);
    expect(leaf.subjectAltName!.split(', ')).toEqual([...SERVICE_NAMES.map((name) => `DNS:${name}`), 'DNS:localhost', 'IP Address:127.0.0.1']);
    expect(new Date(served.peer.valid_to).getTime()).toBe(identity.notAfter.getTime());
    expect(identity.notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
  });

  it.each(SERVICE_NAMES)('verifies for the name the apiserver dials: %s', async (name) => {
    expect((await handshake(service.port, service.ca, { servername: name })).authorized).toBe(true);
  });

  it('does not verify for a name it does not cover, nor against another CA', async () => {
    const wrongName = await handshake(service.port, service.ca, { servername: 'injector.example.com' });
    expect(wrongName.authorized).toBe(false);
    expect(String(wrongName.authorizationError)).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    const stranger = await startService();
    cleanups.push(() => stranger.close());
    const untrusted = await handshake(service.port, stranger.ca);
    expect(untrusted.authorized).toBe(false);
    expect(String(untrusted.authorizationError)).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it('is kept in TLS_DIR and reused on restart while valid', async () => {
    const dir = tempDir('certificates-reuse-');
    const first = await startService({ TLS_DIR: dir });
    const fingerprint = certificates(first.app).current()!.fingerprint;
    await first.close();
    const second = await started({ TLS_DIR: dir });
    expect(certificates(second.app).current()!.fingerprint).toBe(fingerprint);
    expect(second.logs.find((line) => line['msg'] === 'serving certificate loaded')).toMatchObject({ reasons: [] });
  });

  it('keeps its keys readable by its own user alone: TLS_DIR created 0700, keys 0600', async () => {
    const dir = join(tempDir('certificates-modes-'), 'nested', 'tls');
    await started({ TLS_DIR: dir });
    const mode = (path: string) => statSync(path).mode & 0o777;
    expect(mode(dir)).toBe(0o700);
    expect(mode(join(dir, '..'))).toBe(0o700);
    expect(mode(join(dir, 'tls.key'))).toBe(0o600);
    expect(mode(join(dir, 'ca.key'))).toBe(0o600);
    // Certificates are public; nothing in the directory is writable by anyone else.
    for (const name of readdirSync(dir)) expect(mode(join(dir, name)) & 0o022).toBe(0);
  });

  it.each([
    ['others', 0o707, 'others'],
    ['its group', 0o770, 'its group'],
    ['everyone, sticky like /tmp', 0o1777, 'its group and others'],
  ])('refuses at start a TLS_DIR writable by %s, in one line that says why and what to do', async (_name, bits, who) => {
    const dir = tempDir('certificates-unsafe-');
    chmodSync(dir, bits);
    const octal = (bits & 0o7777).toString(8);
    await expect(startService({ TLS_DIR: dir })).rejects.toThrow(
      `cannot load or renew the certificate in directory ${dir}: ${dir} is writable by ${who} (mode ${octal}), and it would hold private keys: make it 0700, or point TLS_DIR at a directory that does not exist yet (it is created 0700)`,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('replaces a corrupt TLS_DIR at start and says so in one line', async () => {
    const dir = tempDir('certificates-corrupt-');
    for (const name of ['ca.crt', 'ca.key', 'tls.crt', 'tls.key']) writeFileSync(join(dir, name), 'garbage\n');
    const replaced = await started({ TLS_DIR: dir });
    const warnings = replaced.logs.filter((line) => line['level'] === 'warn' && String(line['msg']).startsWith('replaced a bad certificate'));
    expect(warnings.map((line) => line['msg'])).toEqual([`replaced a bad certificate: directory ${dir}: the stored CA certificate cannot be parsed`]);
    expect((await handshake(replaced.port, replaced.ca)).authorized).toBe(true);
  });
});

describe('TLS_MODE=files', () => {
  let caKey: Awaited<ReturnType<typeof generateRsaKey>>;
  let ca: string;

  beforeAll(async () => {
    caKey = await generateRsaKey();
    ca = createCaCertificate(caKey, { commonName: 'files-ca', notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 86_400_000) });
  });

  async function issued(hostnames = ['sidecar-injector.sidecar-injector.svc', 'localhost']): Promise<{ certificate: string; key: string }> {
    const key = await generateRsaKey();
    const certificate = createServingCertificate(key, {
      commonName: 'injector',
      hostnames,
      notBefore: new Date(Date.now() - 60_000),
      notAfter: new Date(Date.now() + 3_600_000),
      caCertificatePem: ca,
      caKey,
    });
    return { certificate, key: keyToPem(key) };
  }

  /** Writes a version the way the kubelet updates a Secret volume: a new directory, then one atomic `..data` symlink swap. */
  function publish(dir: string, version: number, files: { certificate: string; key: string }): void {
    const versionDir = `..version-${version}`;
    mkdirSync(join(dir, versionDir));
    writeFileSync(join(dir, versionDir, 'ca.crt'), ca);
    writeFileSync(join(dir, versionDir, 'tls.crt'), files.certificate);
    writeFileSync(join(dir, versionDir, 'tls.key'), files.key);
    symlinkSync(versionDir, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
    if (version === 1) for (const name of ['ca.crt', 'tls.crt', 'tls.key']) symlinkSync(join('..data', name), join(dir, name));
  }

  /** Like startService, without waiting for the webhook listener, which files mode opens only with a certificate. */
  async function startFilesMode(dir: string, env: Record<string, string> = {}) {
    const config = { ...loadAppConfig({ SIDECAR_CONFIG: FIXTURE_SIDECARS, POD_NAMESPACE: 'sidecar-injector', WEBHOOK_REGISTRATION: 'disabled', TLS_MODE: 'files', TLS_DIR: dir, ...env }), port: 0, healthPort: 0 };
    const logs: Record<string, unknown>[] = [];
    const app = await startApplication(config, { logger: new PinoLogger('info', (line) => logs.push(JSON.parse(line) as Record<string, unknown>)) });
    cleanups.push(() => app.close());
    const serving = app.get(ServingService);
    return { app, logs, healthPort: serving.healthPort!, serving };
  }

  it('with registration off, serves a certificate for other names and says once which expected name it lacks', async () => {
    const dir = tempDir('certificates-files-');
    const localhost = await issued(['localhost']);
    publish(dir, 1, localhost);
    const { logs, healthPort, serving } = await startFilesMode(dir);
    await vi.waitFor(async () => expect((await httpGet(healthPort, '/readyz')).json()).toMatchObject({ status: 'ok' }), { timeout: 5_000 });
    await serving.whenListening();
    const served = await handshake(serving.webhookPort!, ca);
    expect(served.authorized).toBe(true);
    expect(served.peer.fingerprint256).toBe(new X509Certificate(localhost.certificate).fingerprint256);
    const client = webhookClient(serving.webhookPort!, ca);
    cleanups.push(() => client.close());
    expect((await client.post(review)).status).toBe(200);

    // A renewal with the same gap is not said again.
    const renewed = await issued(['localhost']);
    publish(dir, 2, renewed);
    await vi.waitFor(async () => expect((await handshake(serving.webhookPort!, ca)).peer.fingerprint256).toBe(new X509Certificate(renewed.certificate).fingerprint256), { timeout: 5_000 });
    expect(logs.filter((line) => String(line['msg']).startsWith('certificate warning: '))).toEqual([
      expect.objectContaining({
        level: 'warn',
        msg: `certificate warning: ${dir}: the serving certificate does not cover sidecar-injector.sidecar-injector.svc; serving it anyway, since WEBHOOK_REGISTRATION=disabled: whoever registers the webhook decides which name the apiserver dials`,
      }),
    ]);
  });

  it('refuses a certificate that does not cover the name it registers for the apiserver to dial', async () => {
    const dir = tempDir('certificates-files-');
    publish(dir, 1, await issued(['localhost']));
    const { healthPort } = await startFilesMode(dir, { WEBHOOK_REGISTRATION: 'enabled', KUBECONFIG: '/nonexistent/kubeconfig' });
    const ready = await httpGet(healthPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ error: { certificate: { status: 'down', reason: `${dir}: the serving certificate does not cover sidecar-injector.sidecar-injector.svc` } } });
  });

  it('is not ready without certificates, then serves them once they are mounted', async () => {
    const dir = tempDir('certificates-files-');
    const { app, healthPort, serving } = await startFilesMode(dir);
    const notReady = await httpGet(healthPort, '/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json()).toMatchObject({ error: { certificate: { status: 'down', reason: `${dir} has no tls.crt and tls.key` } } });

    const first = await issued();
    publish(dir, 1, first);
    await serving.whenListening();
    await vi.waitFor(async () => expect((await httpGet(healthPort, '/readyz')).status).toBe(200), { timeout: 5_000 });
    const served = await handshake(serving.webhookPort!, ca);
    expect(served.authorized).toBe(true);
    expect(served.peer.fingerprint256).toBe(new X509Certificate(first.certificate).fingerprint256);
    expect(certificates(app).current()!.caBundle).toBe(ca.trim() + '\n');
  });

  it('reloads after a ..data swap, and keeps serving the last good certificate through a bad update', async () => {
    const dir = tempDir('certificates-files-');
    publish(dir, 1, await issued());
    const { logs, healthPort, serving } = await startFilesMode(dir);
    await serving.whenListening();
    const client = webhookClient(serving.webhookPort!, ca);
    cleanups.push(() => client.close());

    const second = await issued();
    publish(dir, 2, second);
    const servedFingerprint = async () => (await handshake(serving.webhookPort!, ca)).peer.fingerprint256;
    await vi.waitFor(async () => expect(await servedFingerprint()).toBe(new X509Certificate(second.certificate).fingerprint256), { timeout: 5_000 });
    expect((await client.post(review)).status).toBe(200);

    publish(dir, 3, { certificate: second.certificate, key: (await issued()).key });
    await vi.waitFor(() => expect(logs.some((line) => line['msg'] === `certificate problem: ${dir}: the serving key does not match the serving certificate`)).toBe(true), { timeout: 5_000 });
    expect(await servedFingerprint()).toBe(new X509Certificate(second.certificate).fingerprint256);
    expect((await client.post(review)).status).toBe(200);
    const ready = await httpGet(healthPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ info: { certificate: { status: 'up', warning: `${dir}: the serving key does not match the serving certificate` } } });
  });
});

describe('TLS_SECRET_NAME with an apiserver that does not answer', () => {
  it('comes up on a stand-in from TLS_DIR, serves admissions, reports why, and publishes no CA bundle', async () => {
    const kubeconfig = join(tempDir('certificates-kubeconfig-'), 'kubeconfig');
    // An "apiserver" that drops every connection, holding its port so no other process can answer there instead.
    const dead = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => dead.close(() => resolve())));
    const deadPort = (dead.address() as { port: number }).port;
    writeFileSync(
      kubeconfig,
      `apiVersion: v1
kind: Config
clusters: [{ name: gone, cluster: { server: "https://127.0.0.1:${deadPort}", insecure-skip-tls-verify: true } }]
users: [{ name: someone, user: { token: not-used } }]
contexts: [{ name: gone, context: { cluster: gone, user: someone } }]
current-context: gone
`,
    );
    const service = await started({ KUBECONFIG: kubeconfig, TLS_SECRET_NAME: 'injector-tls' });
    const published: (string | undefined)[] = [];
    const subscription = certificates(service.app).caBundle$.subscribe((bundle) => published.push(bundle));
    cleanups.push(() => subscription.unsubscribe());

    const identity = certificates(service.app).current()!;
    expect(identity.provisional).toMatch(
      new RegExp(
        `^cannot load or renew the certificate in Secret sidecar-injector/injector-tls: cannot reach the apiserver at https://127\\.0\\.0\\.1:${deadPort} \\(.+\\); serving a stand-in from directory ${service.tlsDir} until it answers$`,
      ),
    );
    expect(service.logs.filter((line) => String(line['msg']).startsWith('serving a stand-in certificate: '))).toHaveLength(1);

    const client = webhookClient(service.port, identity.caBundle!);
    cleanups.push(() => client.close());
    expect((await client.post(review)).status).toBe(200);
    const ready = await httpGet(service.healthPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ info: { certificate: { status: 'up', standIn: true, source: 'Secret sidecar-injector/injector-tls' } } });
    expect(published).toEqual([]);
  });
});
