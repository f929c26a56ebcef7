import { Backoff } from '../common/backoff.ts';
import type { KubeClients } from './kube-clients.ts';

/**
 * The apiserver ends each watch after this many seconds, cleanly: before client-node's own
 * 30 s inactivity timeout, which would otherwise end every quiet watch with an error.
 */
const WATCH_SECONDS = 25;

export interface WatchLoop<T> {
  readonly clients: KubeClients;
  readonly path: string;
  /** Watches one object: RBAC honours resourceNames for a watch that selects by name. */
  readonly name: string;
  readonly onEvent: (type: string, object: T) => void;
  /**
   * Called each time a watch is established again after the first: what changed while no
   * watch was open (a deletion above all) is never reported by the next one, so look.
   */
  readonly onReconnect: () => void;
  /** A watch that failed (not one that simply ran its course); it is retried with backoff. */
  readonly onError: (error: unknown) => void;
}

/** Keeps one object watched until the returned function is called. */
export function keepWatching<T>(loop: WatchLoop<T>): () => void {
  const backoff = new Backoff(500, 10_000);
  let stopped = false;
  let abort: AbortController | undefined;
  let retry: NodeJS.Timeout | undefined;
  let connections = 0;

  const begin = (): void => {
    if (stopped) return;
    let ended = false;
    const done = (error: unknown): void => {
      if (ended || stopped) return;
      ended = true;
      if (!error || isInactivityTimeout(error) || isGone(error)) return begin();
      loop.onError(error);
      retry = setTimeout(begin, backoff.next()).unref();
    };
    loop.clients
      .watch(loop.path, { fieldSelector: `metadata.name=${loop.name}`, timeoutSeconds: String(WATCH_SECONDS) }, loop.onEvent, done)
      .then((controller) => {
        if (stopped) return controller.abort();
        abort = controller;
        backoff.reset();
        if (connections++ > 0) loop.onReconnect();
      })
      .catch(done);
  };
  begin();
  return () => {
    stopped = true;
    clearTimeout(retry);
    abort?.abort();
  };
}

function isInactivityTimeout(error: unknown): boolean {
  return (error as { name?: unknown } | null)?.name === 'TimeoutError';
}

/** 410 Gone: the resourceVersion is too old; a fresh watch from now is the answer. */
function isGone(error: unknown): boolean {
  return (error as { statusCode?: unknown } | null)?.statusCode === 410;
}
