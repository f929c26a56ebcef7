import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startApplication } from '../src/bootstrap.ts';
import { loadAppConfig } from '../src/config/app-config.ts';
import { ServingService } from '../src/serving/serving.service.ts';
import { loadGoldenCases } from './support/golden-cases.ts';
import { httpGet } from './support/https-client.ts';
import { useService } from './support/service.ts';

const review = (name: string) => loadGoldenCases().find((testCase) => testCase.name === name)!.review;

/** Parses the Prometheus text format into `name{labels}` → value. */
async function scrape(port: number): Promise<Map<string, number>> {
  const answer = await httpGet(port, '/metrics');
  expect(answer.status).toBe(200);
  expect(answer.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  const samples = new Map<string, number>();
  for (const line of answer.text.split('\n')) {
    const match = /^([a-zA-Z0-9_:]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (match) samples.set(match[1]!, Number(match[2]));
  }
  return samples;
}

describe('metrics', () => {
  const running = useService();

  it('count real reviews by outcome and reason, and time them', async () => {
    const before = await scrape(running.service.healthPort);
    const count = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;
    await running.client.post(review('nginx-default'));
    await running.client.post(review('nginx-default'));
    await running.client.post(review('opt-out-label'));
    await running.client.post(review('unknown-sidecar-refused'));
    await running.client.post('{not json');
    const after = await scrape(running.service.healthPort);
    const delta = (key: string) => count(after, key) - count(before, key);
    expect(delta('sidecar_injector_admission_reviews_total{outcome="injected",reason=""}')).toBe(2);
    expect(delta('sidecar_injector_admission_reviews_total{outcome="skipped",reason="opted-out"}')).toBe(1);
    expect(delta('sidecar_injector_admission_reviews_total{outcome="refused",reason="unknown-sidecar"}')).toBe(1);
    expect(delta('sidecar_injector_webhook_responses_total{code="200"}')).toBe(4);
    expect(delta('sidecar_injector_webhook_responses_total{code="400"}')).toBe(1);
    expect(delta('sidecar_injector_admission_duration_seconds_count{code="200"}')).toBe(4);
    expect(delta('sidecar_injector_admission_duration_seconds_bucket{le="1",code="200"}')).toBe(4);
  });

  it('report config, certificate and registration state, and the process', async () => {
    const samples = await scrape(running.service.healthPort);
    expect(samples.get('sidecar_injector_config_generation')).toBe(1);
    expect(samples.get('sidecar_injector_config_reloads_total{result="ok"}')).toBe(1);
    expect(samples.get('sidecar_injector_certificate_expiry_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 + 3600);
    expect(samples.get('sidecar_injector_registration_state{phase="disabled"}')).toBe(1);
    expect(samples.get('sidecar_injector_registration_state{phase="registered"}')).toBe(0);
    expect(samples.get('sidecar_injector_webhook_registered')).toBe(1);
    expect(samples.get('sidecar_injector_process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(samples.has('sidecar_injector_nodejs_eventloop_lag_p99_seconds')).toBe(true);
  });

  it('are served on the health port only', async () => {
    expect((await running.client.post('', { method: 'GET', path: '/metrics' })).status).toBe(404);
  });
});

describe('readiness without a usable certificate (TLS_MODE=files, empty TLS_DIR)', () => {
  it('answers liveness, and readiness 503 with the reason, before the webhook can serve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-certs-'));
    const config = { ...loadAppConfig({ TLS_MODE: 'files', TLS_DIR: dir, WEBHOOK_REGISTRATION: 'disabled' }), port: 0, healthPort: 0 };
    const app = await startApplication(config, { logger: false });
    try {
      const healthPort = app.get(ServingService).healthPort!;
      expect((await httpGet(healthPort, '/healthz')).status).toBe(200);
      const ready = await httpGet(healthPort, '/readyz');
      expect(ready.status).toBe(503);
      expect(ready.json()).toMatchObject({
        status: 'error',
        error: {
          certificate: { status: 'down', reason: `${dir} has no tls.crt and tls.key` },
          webhookServer: { status: 'down', reason: 'the HTTPS listener is not up yet' },
        },
        info: { sidecarConfig: { status: 'up' }, registration: { status: 'up' } },
      });
    } finally {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
