import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { startApplication } from '../../src/bootstrap.ts';
import { loadAppConfig, type AppConfig } from '../../src/config/app-config.ts';
import { PinoLogger } from '../../src/logging/pino-logger.ts';
import { ServingService } from '../../src/serving/serving.service.ts';
import { afterAll, beforeAll } from 'vitest';
import { FIXTURE_SIDECARS } from './golden-cases.ts';
import { webhookClient, type WebhookClient } from './https-client.ts';

export interface RunningService {
  readonly app: INestApplication;
  readonly config: AppConfig;
  readonly port: number;
  readonly healthPort: number;
  /** The CA bundle the webhook's certificate chains to, as the apiserver would get it. */
  readonly ca: string;
  readonly tlsDir: string;
  /** Every log line the service wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * Starts the real service in this process, on free ports, with a fresh TLS_DIR: the same
 * module graph, listeners and certificates as `node dist/main.js`.
 */
export async function startService(env: Record<string, string> = {}): Promise<RunningService> {
  const tlsDir = mkdtempSync(join(tmpdir(), 'sidecar-injector-test-tls-'));
  const config: AppConfig = {
    // An empty value means "the variable is unset", so a caller can ask for the built-in default.
    ...loadAppConfig({ SIDECAR_CONFIG: FIXTURE_SIDECARS, POD_NAMESPACE: 'sidecar-injector', WEBHOOK_REGISTRATION: 'disabled', TLS_DIR: tlsDir, LOG_LEVEL: 'debug', ...env }),
    ...(env['PORT'] ? {} : { port: 0 }),
    ...(env['HEALTH_PORT'] ? {} : { healthPort: 0 }),
  };
  const logs: Record<string, unknown>[] = [];
  const logger = new PinoLogger(config.logLevel, (line) => logs.push(JSON.parse(line) as Record<string, unknown>));
  let app: INestApplication;
  try {
    app = await startApplication(config, { logger });
  } catch (error) {
    rmSync(tlsDir, { recursive: true, force: true });
    throw error;
  }
  const serving = app.get(ServingService);
  await serving.whenListening();
  return {
    app,
    config,
    port: serving.webhookPort!,
    healthPort: serving.healthPort!,
    ca: readFileSync(join(config.tls.dir, 'ca.crt'), 'utf8'),
    tlsDir,
    logs,
    async close() {
      await app.close();
      rmSync(tlsDir, { recursive: true, force: true });
    },
  };
}

/**
 * For a test file or describe block: the service starts before its tests with a keep-alive
 * client that trusts its CA, and both stop after. Read them through the getters, inside tests.
 */
export function useService(env: Record<string, string> = {}): { readonly service: RunningService; readonly client: WebhookClient } {
  let running: RunningService | undefined;
  let client: WebhookClient | undefined;
  beforeAll(async () => {
    running = await startService(env);
    client = webhookClient(running.port, running.ca);
  });
  afterAll(async () => {
    client?.close();
    await running?.close();
  });
  return {
    get service() {
      return running!;
    },
    get client() {
      return client!;
    },
  };
}
