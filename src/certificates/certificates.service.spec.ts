import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '@nestjs/common';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadAppConfig } from '../config/app-config.ts';
import { CertificatesService } from './certificates.service.ts';
import { createCaCertificate, createServingCertificate, generateRsaKey, keyToPem } from './x509.ts';

const HOUR = 3_600_000;
const NO_CLUSTER = { clients: undefined, reason: 'no cluster in this test' } as const;

let files: { 'ca.crt': string; 'tls.crt': string; 'tls.key': string };
let wrongKey: string;

beforeAll(async () => {
  Logger.overrideLogger(false);
  const [caKey, key, otherKey] = await Promise.all([generateRsaKey(), generateRsaKey(), generateRsaKey()]);
  const period = { notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + HOUR) };
  const ca = createCaCertificate(caKey, { commonName: 'ca', ...period });
  const certificate = createServingCertificate(key, { commonName: 'injector', hostnames: ['sidecar-injector.platform.svc'], ...period, caCertificatePem: ca, caKey });
  files = { 'ca.crt': ca, 'tls.crt': certificate, 'tls.key': keyToPem(key) };
  wrongKey = keyToPem(otherKey);
});

const services: CertificatesService[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.all(services.splice(0).map((service) => service.onModuleDestroy()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function filesMode(dir: string): Promise<CertificatesService> {
  const config = loadAppConfig({ TLS_MODE: 'files', TLS_DIR: dir, POD_NAMESPACE: 'platform' });
  const service = new CertificatesService(config, NO_CLUSTER);
  services.push(service);
  await service.onModuleInit();
  return service;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'certificates-service-'));
  dirs.push(dir);
  return dir;
}

describe(CertificatesService.name, () => {
  describe('in files mode', () => {
    it('starts without certificates, says why, and takes them when they appear', async () => {
      const dir = tempDir();
      const service = await filesMode(dir);
      expect(service.current()).toBeUndefined();
      expect(service.problem).toBe(`${dir} has no tls.crt and tls.key`);
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      await vi.waitFor(() => expect(service.current()?.certificate).toBe(files['tls.crt']), { timeout: 5_000 });
      expect(service.problem).toBeUndefined();
    });

    it('keeps serving the last good certificate when an update is bad, and says why', async () => {
      const dir = tempDir();
      for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
      const service = await filesMode(dir);
      const good = service.current();
      expect(good?.caBundle).toBe(files['ca.crt'].trim() + '\n');
      writeFileSync(join(dir, 'tls.key'), wrongKey);
      await vi.waitFor(() => expect(service.problem).toBe(`${dir}: the serving key does not match the serving certificate`), { timeout: 5_000 });
      expect(service.current()).toBe(good);
    });
  });

  describe('in self-signed mode without a cluster', () => {
    it('publishes the CA bundle it serves under, once', async () => {
      const dir = tempDir();
      const service = new CertificatesService(loadAppConfig({ TLS_DIR: dir, TLS_SECRET_NAME: 'injector-tls' }), NO_CLUSTER);
      services.push(service);
      await service.onModuleInit();
      const bundles: (string | undefined)[] = [];
      service.caBundle$.subscribe((bundle) => bundles.push(bundle));
      expect(bundles).toEqual([service.current()!.caBundle]);
      expect(service.sourceDescription).toBe(`directory ${dir}`);
    });
  });
});
