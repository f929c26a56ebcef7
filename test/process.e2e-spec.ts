import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FIXTURE_SIDECARS, loadGoldenCases } from './support/golden-cases.ts';
import { httpGet, webhookClient } from './support/https-client.ts';
import { spawnOnFreePorts, spawnService, waitUntilReady, type ServiceProcess } from './support/process.ts';

const review = loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review;
const running: ServiceProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const service of running.splice(0)) {
    service.child.kill('SIGKILL');
    await service.exited;
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sidecar-injector-process-'));
  dirs.push(dir);
  return dir;
}

async function start(env: Record<string, string>) {
  const dir = tempDir();
  const { service, port, healthPort } = await spawnOnFreePorts(
    () => ({ TLS_DIR: join(dir, 'tls'), WEBHOOK_REGISTRATION: 'disabled', ...env }),
    (environment) => {
      const spawned = spawnService(environment);
      running.push(spawned);
      return spawned;
    },
  );
  return { service, port, healthPort, dir };
}

describe('node dist/main.js', () => {
  it('starts with no configuration at all: embedded templates, self-signed TLS', async () => {
    const { service, port, healthPort, dir } = await start({});
    await waitUntilReady(service, healthPort);
    const client = webhookClient(port, readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8'));
    const answer = await client.post(review);
    client.close();
    expect(answer.json<{ response: { patchType: string } }>().response.patchType).toBe('JSONPatch');
  });

  it('stops on a bad variable with one line naming it and what is allowed', async () => {
    const { service } = await start({ TLS_MODE: 'vault', PORT: 'x' });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toBe('sidecar-injector: invalid configuration: TLS_MODE="vault" is invalid: expected one of self-signed, files; PORT="x" is invalid: expected an integer from 1 to 65535\n');
  });

  it('stops on an invalid sidecar file with one line that points at the entry and field', async () => {
    const file = join(tempDir(), 'sidecars.yaml');
    writeFileSync(file, 'sidecars:\n  - name: agent\n    containers: [{ name: agent }]\n');
    const { service } = await start({ SIDECAR_CONFIG: file });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toBe(`sidecar-injector: cannot start: ${file} is invalid: sidecars[0] (agent).containers[0].image: must be a non-empty string\n`);
  });

  it('stops when TLS_DIR is writable by others, saying why in one line', async () => {
    const tls = join(tempDir(), 'shared');
    mkdirSync(tls);
    chmodSync(tls, 0o777);
    const { service } = await start({ TLS_DIR: tls });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toBe(
      `sidecar-injector: cannot start: cannot load or renew the certificate in directory ${tls}: ${tls} is writable by its group and others (mode 777), and it would hold private keys: make it 0700, or point TLS_DIR at a directory that does not exist yet (it is created 0700)\n`,
    );
  });

  it('stops when the sidecar file is missing, saying which path', async () => {
    const { service } = await start({ SIDECAR_CONFIG: '/nonexistent/sidecars.yaml' });
    expect(await service.exited).toBe(1);
    expect(service.stderr()).toMatch(/^sidecar-injector: cannot start: cannot read SIDECAR_CONFIG \/nonexistent\/sidecars\.yaml: ENOENT/);
  });

  it('reloads a changed sidecar file without restart, and keeps the last good one when the new one is invalid', async () => {
    const file = join(tempDir(), 'sidecars.yaml');
    copyFileSync(FIXTURE_SIDECARS, file);
    const { service, port, healthPort, dir } = await start({ SIDECAR_CONFIG: file });
    await waitUntilReady(service, healthPort);
    const client = webhookClient(port, readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8'));
    const injectedImage = async () => {
      const answer = await client.post(review);
      const patch = JSON.parse(Buffer.from(answer.json<{ response: { patch: string } }>().response.patch, 'base64').toString()) as { path: string; value: { image?: string } }[];
      return patch.find((op) => op.path === '/spec/containers/-')?.value.image;
    };
    const generation = async () => (await httpGet(healthPort, '/readyz')).json<{ details: { sidecarConfig: { generation: number } } }>().details.sidecarConfig;

    expect(await injectedImage()).toBe('registry.example.com/log-agent:2.4.1');
    writeFileSync(file, readFileSync(FIXTURE_SIDECARS, 'utf8').replace('log-agent:2.4.1', 'log-agent:2.5.0'));
    await expect.poll(injectedImage, { timeout: 5_000 }).toBe('registry.example.com/log-agent:2.5.0');
    expect(await generation()).toMatchObject({ generation: 2, status: 'up' });

    writeFileSync(file, 'sidecars:\n  - name: broken\n    containers: [{ name: x }]\n');
    await expect.poll(generation, { timeout: 5_000 }).toMatchObject({ status: 'degraded', generation: 2 });
    expect(await injectedImage()).toBe('registry.example.com/log-agent:2.5.0');
    expect((await httpGet(healthPort, '/readyz')).status).toBe(200);
    // Log lines reach stdout in batches, up to 50 ms after they are written.
    await expect.poll(() => service.stdout(), { timeout: 2_000 }).toContain('sidecar config change rejected; still serving the previous version');
    client.close();
  });

  it('is started again on other ports when another process took one first (a test harness guarantee, not the service)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    try {
      const occupied = String((taken.address() as { port: number }).port);
      const attempts: ServiceProcess[] = [];
      const { service, port, healthPort } = await spawnOnFreePorts(
        () => ({ TLS_DIR: join(tempDir(), 'tls'), WEBHOOK_REGISTRATION: 'disabled' }),
        (env) => {
          const spawned = spawnService(attempts.length === 0 ? { ...env, PORT: occupied } : env);
          attempts.push(spawned);
          running.push(spawned);
          return spawned;
        },
      );
      expect(attempts).toHaveLength(2);
      expect(attempts[0]!.stderr()).toMatch(/EADDRINUSE/);
      expect(String(port)).not.toBe(occupied);
      await waitUntilReady(service, healthPort);
    } finally {
      taken.close();
    }
  });

  it('exits cleanly on SIGTERM', async () => {
    const { service, healthPort } = await start({});
    await waitUntilReady(service, healthPort);
    service.child.kill('SIGTERM');
    expect(await service.exited).toBe(0);
  });
});
