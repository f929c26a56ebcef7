import { containerMemoryLimit } from './memory/container-memory.ts';
import { givenFlags, heapFlags } from './memory/heap-flags.ts';

// V8 sizes its heap as the process starts, before any of our code runs: when the heap
// flags for this container are missing, start again with them (execve keeps the PID,
// the environment and the standard streams; it costs one Node start, ~40 ms).
const missingFlags = heapFlags(containerMemoryLimit(), givenFlags());
if (missingFlags.length > 0 && process.execve) process.execve(process.execPath, [process.execPath, ...missingFlags, ...process.execArgv, ...process.argv.slice(1)], process.env);

// No compile cache (module.enableCompileCache): it would take ~50 ms off a start, but Node
// keeps every cached module's code in memory for the life of the process, ~7 MiB at rest.
const { ConfigError, loadAppConfig } = await import('./config/app-config.ts');
const { startApplication } = await import('./bootstrap.ts');
const { releaseStartupGarbage } = await import('./memory/startup-garbage.ts');

try {
  const config = loadAppConfig(process.env);
  await startApplication(config, { handleSignals: true });
  releaseStartupGarbage();
} catch (error) {
  // One line a person can act on; a stack trace would bury it.
  const message = error instanceof ConfigError ? error.message : `cannot start: ${(error as Error).message}`;
  process.stderr.write(`sidecar-injector: ${message}\n`);
  process.exit(1);
}
