import { ConfigError, loadAppConfig } from './config/app-config.ts';
import { startApplication } from './bootstrap.ts';

try {
  const config = loadAppConfig(process.env);
  await startApplication(config, { handleSignals: true });
} catch (error) {
  // One line a person can act on; a stack trace would bury it.
  const message = error instanceof ConfigError ? error.message : `cannot start: ${(error as Error).message}`;
  process.stderr.write(`sidecar-injector: ${message}\n`);
  process.exit(1);
}
