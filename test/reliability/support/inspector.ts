/**
 * A minimal Chrome DevTools Protocol client for a process started with `--inspect`: only
 * to ask V8 for a full garbage collection before a memory sample. Without it, memory
 * measures where the process is in its GC cycle rather than what it keeps alive.
 */
export interface Inspector {
  collectGarbage(): Promise<void>;
  close(): void;
}

export async function connectInspector(port: number): Promise<Inspector> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl?: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (!url) throw new Error(`no inspector target on port ${port}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot connect to the inspector at ${url}`)), { once: true });
  });
  const pending = new Map<number, () => void>();
  let nextId = 1;
  socket.addEventListener('message', (event: MessageEvent) => {
    const { id } = JSON.parse(String(event.data)) as { id?: number };
    if (id !== undefined) pending.get(id)?.();
    if (id !== undefined) pending.delete(id);
  });
  const call = (method: string): Promise<void> =>
    new Promise((resolve) => {
      const id = nextId++;
      pending.set(id, resolve);
      socket.send(JSON.stringify({ id, method }));
    });
  return {
    collectGarbage: () => call('HeapProfiler.collectGarbage'),
    close: () => socket.close(),
  };
}
