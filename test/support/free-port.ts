import { createServer } from 'node:net';
import { freePorts } from '../control-plane/ports.ts';

/** A port that was free a moment ago: for child processes, which cannot report an ephemeral one back. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts something on `count` distinct ports that were free a moment ago, and again on new
 * ones while it fails because another process took one in between: between finding a free
 * port and binding it, any process on the machine may bind it first. `start` rejects with an
 * error that mentions EADDRINUSE when that happened; anything else is its own failure.
 */
export async function onFreePorts<T>(count: number, start: (ports: readonly number[]) => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const ports = await freePorts(count);
    try {
      return await start(ports);
    } catch (error) {
      if (attempt >= attempts || !isPortTaken(error)) throw error;
    }
  }
}

export function isPortTaken(error: unknown): boolean {
  return /EADDRINUSE/.test(error instanceof Error ? error.message : String(error));
}
