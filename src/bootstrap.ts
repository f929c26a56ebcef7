import 'reflect-metadata';
import { Logger, type INestApplication, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import express from 'express';
import { config as rxjsConfig } from 'rxjs';
import { AppModule } from './app.module.ts';
import type { AppConfig } from './config/app-config.ts';
import { PinoLogger } from './logging/pino-logger.ts';

export interface StartOptions {
  readonly logger?: LoggerService | false;
  /** Close gracefully on SIGTERM/SIGINT. Off in tests, which start several apps in one process. */
  readonly handleSignals?: boolean;
}

/**
 * Builds and starts the service: modules initialise (config and certificates load), then
 * the listeners open and registration begins. Used by main.ts and by the e2e tests alike.
 */
export async function startApplication(config: AppConfig, options: StartOptions = {}): Promise<INestApplication> {
  const server = express();
  server.disable('x-powered-by');
  server.set('etag', false);
  const app = await NestFactory.create(AppModule.forRoot(config), new ExpressAdapter(server), {
    bodyParser: false,
    abortOnError: false,
    logger: options.logger ?? new PinoLogger(config.logLevel),
  });
  try {
    await app.init();
  } catch (error) {
    // What did start (a listener, watchers, timers) is stopped: a caller that carries on, a test retrying on another port, inherits nothing.
    // Bounded: the reason must still reach the person promptly.
    await Promise.race([app.close(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]).catch(() => undefined);
    throw error;
  }
  if (options.handleSignals) {
    exitOnSignals(app, config.shutdownTimeoutMs);
    logUnhandledRejections();
  }
  return app;
}

/**
 * A background task that fails without handling its error (a bug) is logged, not allowed
 * to take down a webhook that every pod creation waits on. Uncaught exceptions still end
 * the process: its state can no longer be trusted.
 */
function logUnhandledRejections(): void {
  const logger = new Logger('Process');
  const report = (what: string) => (reason: unknown) => logger.error({ msg: `${what} (a bug; the service keeps running)`, error: reason instanceof Error ? reason.stack : String(reason) });
  process.on('unhandledRejection', report('unhandled promise rejection'));
  // RxJS rethrows a subscriber's error outside any request, where it would end the process.
  rxjsConfig.onUnhandledError = report('error in an observer');
}

/**
 * Nest's own shutdown hooks re-raise the signal after closing, so the process would end
 * "killed by SIGTERM"; a drained, orderly stop should exit 0. The timer is the backstop
 * that keeps the promise to leave within SHUTDOWN_TIMEOUT.
 */
function exitOnSignals(app: INestApplication, shutdownTimeoutMs: number): void {
  const stop = (): void => {
    process.off('SIGTERM', stop).off('SIGINT', stop);
    setTimeout(() => process.exit(1), shutdownTimeoutMs).unref();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`sidecar-injector: shutdown failed: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop).on('SIGINT', stop);
}
