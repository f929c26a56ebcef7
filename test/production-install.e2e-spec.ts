import { spawn, spawnSync } from 'node:child_process';
import { chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadGoldenCases } from './support/golden-cases.ts';
import { httpGet, webhookClient } from './support/https-client.ts';
import { spawnOnFreePorts, waitUntilReady, type ServiceProcess } from './support/process.ts';

/**
 * The image without Docker: what the Dockerfile's last stage holds, installed the way it
 * installs it (`npm ci --omit=dev --ignore-scripts`), run as the image runs it, as the
 * image's UID when the tests run as root, with the application files read-only and only
 * TLS_DIR writable (as k8s/deployment.yaml mounts them). Proves the production
 * dependencies suffice: nothing from @nestjs/cli, @nestjs/testing, vitest or the node@24
 * package is reachable. `dist/` must be built first (`npm test` does).
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What the Dockerfile copies into the image besides the node_modules it installs. */
const IMAGE_FILES = ['package.json', 'package-lock.json', 'dist', 'config'];
/** USER in the Dockerfile, runAsUser in k8s/deployment.yaml. */
const IMAGE_UID = 1000;
const INSTALL_TIMEOUT_MS = 180_000;

const review = loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review;
const root = mkdtempSync(join(tmpdir(), 'production-install-'));
const app = join(root, 'app');
const tlsDir = join(root, 'tls');
const asImageUser = process.getuid?.() === 0;
let service: ServiceProcess | undefined;

/** The environment without npm's own variables: a parent `npm test` must not steer this install. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => !/^npm_/i.test(entry[0]) && entry[1] !== undefined));
}

beforeAll(() => {
  if (!existsSync(join(ROOT, 'dist', 'main.js'))) throw new Error('dist/main.js is missing: run `npm run build` first (npm test does)');
  mkdirSync(app);
  for (const file of IMAGE_FILES) cpSync(join(ROOT, file), join(app, file), { recursive: true });
  // From the local npm cache that the project's own `npm ci` filled: no network on a warm machine.
  const install = spawnSync('npm', ['ci', '--omit=dev', '--ignore-scripts', '--prefer-offline', '--no-audit', '--no-fund'], { cwd: app, env: cleanEnv(), encoding: 'utf8', timeout: INSTALL_TIMEOUT_MS });
  if (install.status !== 0) throw new Error(`npm ci --omit=dev failed (${install.status ?? install.signal}): ${install.stderr}`);
  // Nothing of the service's may be writable by it: only TLS_DIR, the pod's emptyDir.
  spawnSync('chmod', ['-R', 'a-w', app]);
  mkdirSync(tlsDir);
  if (asImageUser) {
    spawnSync('chmod', ['755', root]);
    chownSync(tlsDir, IMAGE_UID, IMAGE_UID);
  }
}, INSTALL_TIMEOUT_MS + 10_000);

afterAll(async () => {
  if (service && service.child.exitCode === null) {
    service.child.kill('SIGKILL');
    await service.exited;
  }
  spawnSync('chmod', ['-R', 'u+w', root]);
  rmSync(root, { recursive: true, force: true });
});

function start(ports: Record<string, string>): ServiceProcess {
  const env = { PATH: process.env['PATH'] ?? '', ...ports, TLS_DIR: tlsDir, WEBHOOK_REGISTRATION: 'disabled', SHUTDOWN_TIMEOUT: '5s' };
  // process.execPath is the Node 24 the tests run on: the node@24 devDependency is not installed here.
  const child = spawn(process.execPath, ['dist/main.js'], { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'], ...(asImageUser ? { uid: IMAGE_UID, gid: IMAGE_UID } : {}) });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exited };
}

describe('the production install (the image without Docker)', () => {
  it('copies into the image exactly what this test installs', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    const lastStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    const copied = [...lastStage.matchAll(/^COPY\s+(?:--\S+\s+)*(.+)$/gm)].flatMap((match) => {
      const parts = match[1]!.trim().split(/\s+/);
      const destination = parts.pop()!;
      return destination.endsWith('/') ? parts.map((source) => source.split('/').pop()!) : [destination.replace(/^\.\//, '')];
    });
    expect(copied.sort()).toEqual([...IMAGE_FILES, 'node_modules'].sort());
    expect(lastStage).toMatch(new RegExp(`^USER ${IMAGE_UID}:${IMAGE_UID}$`, 'm'));
    expect(lastStage).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
  });

  it('leaves out every development-only package', () => {
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const manifest = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> };
    const devOnly = Object.keys(manifest.devDependencies).filter((name) => lock.packages[`node_modules/${name}`]?.dev === true);
    expect(devOnly).toEqual(expect.arrayContaining(['@nestjs/cli', '@nestjs/testing', 'vitest', 'typescript', 'node']));
    expect(devOnly.filter((name) => existsSync(join(app, 'node_modules', name)))).toEqual([]);
    // Resolution from the copy must not reach another node_modules up the tree.
    for (let dir = dirname(app); dir !== dirname(dir); dir = dirname(dir)) expect(existsSync(join(dir, 'node_modules'))).toBe(false);
  });

  it('runs the sidecar-injector command on production dependencies alone', () => {
    const manifest = 'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n      - name: web\n        image: nginx\n';
    const env = { PATH: process.env['PATH'] ?? '', HOME: root };
    const run = spawnSync(process.execPath, ['dist/cli/main.js', 'inject', '-f', '-'], { cwd: app, env, input: manifest, encoding: 'utf8', ...(asImageUser ? { uid: IMAGE_UID, gid: IMAGE_UID } : {}) });
    expect(run.stderr).toBe('(stdin): document 1 (Deployment web), spec.template: injected log-agent\n');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('      - name: log-agent\n        image: busybox:1.37\n');
    const manifestJson = JSON.parse(readFileSync(join(app, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(manifestJson.bin).toEqual({ 'sidecar-injector': 'dist/cli/main.js' });
  });

  it('starts on production dependencies alone, serves readiness, metrics and an admission review, and stops cleanly on SIGTERM', async () => {
    const started = await spawnOnFreePorts(
      () => ({}),
      (ports) => (service = start(ports)),
    );
    const { port, healthPort } = started;
    await waitUntilReady(started.service, healthPort);

    const readiness = await httpGet(healthPort, '/readyz');
    expect(readiness.json<{ details: { sidecarConfig: { sidecars: string[] } } }>().details.sidecarConfig.sidecars).toEqual(['log-agent', 'proxy']);
    expect((await httpGet(healthPort, '/metrics')).status).toBe(200);

    const client = webhookClient(port, readFileSync(join(tlsDir, 'ca.crt'), 'utf8'));
    const answer = await client.post(review);
    client.close();
    const response = answer.json<{ response: { allowed: boolean; patchType: string; patch: string } }>().response;
    expect(response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
    const patch = JSON.parse(Buffer.from(response.patch, 'base64').toString()) as { path: string; value: { name?: string } }[];
    // The built-in templates shipped in config/ (SIDECAR_CONFIG unset), found from dist/.
    expect(patch.find((operation) => operation.path === '/spec/containers/-')?.value.name).toBe('log-agent');

    started.service.child.kill('SIGTERM');
    expect(await started.service.exited).toBe(0);
    expect(started.service.stderr()).toBe('');
  });
});
