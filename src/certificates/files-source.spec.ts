import { X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FilesSource, type HostnameRules } from './files-source.ts';
import type { IdentityReport, IdentitySink } from './identity-source.ts';
import type { TlsState } from './tls-state.ts';
import { createCaCertificate, createServingCertificate, generateRsaKey, keyToPem } from './x509.ts';

const REQUIRED = ['injector.platform.svc'];
const HOUR = 3_600_000;

let caKey: KeyObject;
let leafKey: KeyObject;
let otherKey: KeyObject;
let caPem: string;

beforeAll(async () => {
  [caKey, leafKey, otherKey] = await Promise.all([generateRsaKey(), generateRsaKey(), generateRsaKey()]);
  caPem = createCaCertificate(caKey, { commonName: 'cert-manager-ca', notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + 1000 * HOUR) });
});

function leaf(options: { hostnames?: readonly string[]; key?: KeyObject; signer?: KeyObject; notAfter?: Date } = {}): string {
  return createServingCertificate(options.key ?? leafKey, {
    commonName: 'injector',
    hostnames: options.hostnames ?? REQUIRED,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: options.notAfter ?? new Date(Date.now() + 100 * HOUR),
    caCertificatePem: caPem,
    caKey: options.signer ?? caKey,
  });
}

const dirs: string[] = [];
const sources: FilesSource[] = [];

afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.stop()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tlsDir(files: Partial<Record<'ca.crt' | 'tls.crt' | 'tls.key', string>>): string {
  const dir = mkdtempSync(join(tmpdir(), 'files-source-'));
  dirs.push(dir);
  write(dir, files);
  return dir;
}

function write(dir: string, files: Partial<Record<'ca.crt' | 'tls.crt' | 'tls.key', string>>): void {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
}

function good() {
  return { 'ca.crt': caPem, 'tls.crt': leaf(), 'tls.key': keyToPem(leafKey) };
}

async function start(dir: string, clock?: () => number, failAccept: (count: number) => boolean = () => false, rules: HostnameRules = { required: REQUIRED }) {
  const accepted: { state: TlsState; report: IdentityReport }[] = [];
  const rejected: string[] = [];
  let accepts = 0;
  const sink: IdentitySink = {
    accept: (state, report) => {
      if (failAccept(++accepts)) throw new Error('the sink failed');
      accepted.push({ state, report });
    },
    reject: (problem) => rejected.push(problem),
  };
  const source = new FilesSource(dir, rules, clock, 200);
  sources.push(source);
  await source.start(sink);
  return { accepted, rejected };
}

describe(FilesSource.name, () => {
  it('loads a certificate, key and CA made elsewhere', async () => {
    const dir = tlsDir(good());
    const { accepted, rejected } = await start(dir);
    expect(rejected).toEqual([]);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]!.state.caCertificates.map((pem) => pem.trim())).toEqual([caPem.trim()]);
  });

  it('takes a self-signed certificate without ca.crt as its own trust anchor', async () => {
    const selfSigned = createCaCertificate(leafKey, { commonName: 'injector.platform.svc', notBefore: new Date(Date.now() - HOUR), notAfter: new Date(Date.now() + HOUR) });
    // A CA certificate has no SANs, so this one is checked for its hostnames only through its CN.
    const { accepted } = await start(tlsDir({ 'tls.crt': selfSigned, 'tls.key': keyToPem(leafKey) }));
    expect(accepted[0]?.state.caCertificates.map((pem) => pem.trim())).toEqual([selfSigned.trim()]);
  });

  it.each<[string, () => Partial<Record<'ca.crt' | 'tls.crt' | 'tls.key', string>>, RegExp]>([
    ['no files at all', () => ({}), /has no tls\.crt and tls\.key$/],
    ['a corrupt certificate', () => ({ ...good(), 'tls.crt': 'garbage' }), /: the serving certificate cannot be parsed$/],
    ['a corrupt CA', () => ({ ...good(), 'ca.crt': 'garbage' }), /ca\.crt cannot be parsed$/],
    ["a key that is not the certificate's", () => ({ ...good(), 'tls.key': keyToPem(otherKey) }), /: the serving key does not match the serving certificate$/],
    ['a certificate another CA issued', () => ({ ...good(), 'tls.crt': leaf({ signer: otherKey }) }), /: the serving certificate was not issued by the CA$/],
    ['a certificate for other names', () => ({ ...good(), 'tls.crt': leaf({ hostnames: ['other.platform.svc'] }) }), /: the serving certificate does not cover injector\.platform\.svc$/],
  ])('refuses %s, in one line that names the directory', async (_name, files, message) => {
    const dir = tlsDir(files());
    const { accepted, rejected } = await start(dir);
    expect(accepted).toEqual([]);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatch(message);
    expect(rejected[0]).toContain(dir);
    expect(rejected[0]).not.toContain('\n');
  });

  it('serves a certificate that lacks a name it only expects, and says once which names it lacks', async () => {
    const dir = tlsDir({ ...good(), 'tls.crt': leaf({ hostnames: ['localhost'] }) });
    const rules: HostnameRules = { required: [], expected: { hostnames: ['injector.platform.svc', '10.0.0.1'], why: 'registration is off' } };
    const { accepted, rejected } = await start(dir, undefined, undefined, rules);
    expect(rejected).toEqual([]);
    expect(accepted.map(({ report }) => report.warnings)).toEqual([[`${dir}: the serving certificate does not cover injector.platform.svc, 10.0.0.1; serving it anyway, since registration is off`]]);

    // A renewal with the same gap is not worth saying again; a certificate that closes it clears it; a new gap is said.
    const renewed = leaf({ hostnames: ['localhost'] });
    write(dir, { 'tls.crt': renewed });
    await vi.waitFor(() => expect(accepted.at(-1)?.state.certificate).toBe(renewed), { timeout: 5_000 });
    expect(accepted.at(-1)!.report.warnings).toBeUndefined();
    const covering = leaf({ hostnames: ['injector.platform.svc', '10.0.0.1'] });
    write(dir, { 'tls.crt': covering });
    await vi.waitFor(() => expect(accepted.at(-1)?.state.certificate).toBe(covering), { timeout: 5_000 });
    expect(accepted.at(-1)!.report.warnings).toBeUndefined();
    const partial = leaf({ hostnames: ['injector.platform.svc'] });
    write(dir, { 'tls.crt': partial });
    await vi.waitFor(() => expect(accepted.at(-1)?.state.certificate).toBe(partial), { timeout: 5_000 });
    expect(accepted.at(-1)!.report.warnings).toEqual([`${dir}: the serving certificate does not cover 10.0.0.1; serving it anyway, since registration is off`]);
  });

  it('refuses an expired certificate, saying when it expired', async () => {
    const notAfter = new Date(Math.floor(Date.now() / 1000) * 1000 + HOUR);
    const { rejected } = await start(tlsDir({ ...good(), 'tls.crt': leaf({ notAfter }) }), () => Date.now() + 2 * HOUR);
    expect(rejected).toEqual([expect.stringMatching(new RegExp(`: the serving certificate expired at ${notAfter.toISOString().replace(/\./g, '\\.')}$`))]);
  });

  it('reloads when the files change, and refuses a bad update without accepting anything', async () => {
    const dir = tlsDir(good());
    const { accepted, rejected } = await start(dir);
    const renewed = leaf();
    write(dir, { 'tls.crt': renewed });
    await vi.waitFor(() => expect(accepted.at(-1)?.state.certificate).toBe(renewed), { timeout: 5_000 });
    const count = accepted.length;

    write(dir, { 'tls.key': keyToPem(otherKey) });
    await vi.waitFor(() => expect(rejected.at(-1)).toMatch(/the serving key does not match the serving certificate$/), { timeout: 5_000 });
    expect(accepted).toHaveLength(count);

    const fixed = leaf({ key: otherKey });
    write(dir, { 'tls.crt': fixed });
    await vi.waitFor(() => expect(accepted.at(-1)?.state.certificate).toBe(fixed), { timeout: 5_000 });
    expect(new X509Certificate(fixed).checkPrivateKey(otherKey)).toBe(true);
  });

  it('reports a reload that fails, and still runs the next one', async () => {
    const dir = tlsDir(good());
    // The first reload after start fails outside the checks (the sink throws); a later change must still be read.
    const { accepted, rejected } = await start(dir, undefined, (count) => count === 2);
    write(dir, { 'tls.crt': leaf() });
    await vi.waitFor(() => expect(rejected.at(-1)).toMatch(/^reloading .* failed: the sink failed; the next change will be read$/), { timeout: 5_000 });
    const renewed = leaf();
    write(dir, { 'tls.crt': renewed });
    await vi.waitFor(() => expect(accepted.at(-1)?.state.certificate).toBe(renewed), { timeout: 5_000 });
  });

  it('looks again when the certificate expires, so readiness can turn off', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const now = Date.now();
      let clock = now;
      const notAfter = new Date(Math.floor(now / 1000) * 1000 + 10_000);
      const dir = tlsDir({ ...good(), 'tls.crt': leaf({ notAfter }) });
      const { accepted, rejected } = await start(dir, () => clock);
      expect(accepted).toHaveLength(1);
      clock = notAfter.getTime() + 1;
      await vi.advanceTimersByTimeAsync(notAfter.getTime() - now + 1_000);
      await vi.waitFor(() => expect(rejected.at(-1)).toMatch(/expired at/));
    } finally {
      vi.useRealTimers();
    }
  });
});
