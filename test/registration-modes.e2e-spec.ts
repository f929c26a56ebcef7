import { afterEach, describe, expect, it } from 'vitest';
import { loadGoldenCases } from './support/golden-cases.ts';
import { httpGet, webhookClient } from './support/https-client.ts';
import { startService, type RunningService } from './support/service.ts';

const started: RunningService[] = [];
afterEach(async () => {
  for (const service of started.splice(0)) await service.close();
});

async function start(env: Record<string, string>): Promise<RunningService> {
  const service = await startService(env);
  started.push(service);
  return service;
}

describe('WEBHOOK_REGISTRATION without any cluster', () => {
  const noCluster = { KUBECONFIG: '/nonexistent/kubeconfig' };

  it('auto: says in one line why it does not register, and serves ready anyway', async () => {
    const service = await start({ ...noCluster, WEBHOOK_REGISTRATION: 'auto' });
    const ready = await httpGet(service.healthPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ info: { registration: { status: 'up', registration: 'off' } } });
    const lines = service.logs.filter((line) => line['context'] === 'RegistrationService');
    expect(lines).toEqual([expect.objectContaining({ msg: 'not registering the webhook; serving anyway', reason: 'WEBHOOK_REGISTRATION=auto and KUBECONFIG /nonexistent/kubeconfig does not exist' })]);
  });

  it('enabled: serves admissions but stays not ready, and keeps retrying', async () => {
    const service = await start({ ...noCluster, WEBHOOK_REGISTRATION: 'enabled' });
    await expect.poll(() => service.logs.filter((line) => line['msg'] === 'webhook registration failed').length, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    const ready = await httpGet(service.healthPort, '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ error: { registration: { status: 'down', reason: 'WEBHOOK_REGISTRATION=enabled but KUBECONFIG /nonexistent/kubeconfig does not exist' } } });
    const client = webhookClient(service.port, service.ca);
    const answer = await client.post(loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review);
    client.close();
    expect(answer.json<{ response: { patchType: string } }>().response.patchType).toBe('JSONPatch');
  });
});
