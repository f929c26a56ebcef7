import type { KubeConnection } from '../kube/kube-connection.ts';

interface ListPage<T> {
  readonly items?: readonly T[] | null;
  readonly metadata?: { readonly continue?: string };
}

/**
 * Pages through a list with `limit` and `continue`, one page in memory at a time, so
 * a namespace with tens of thousands of pods neither times out nor is held whole.
 */
export async function* listPages<T>(connection: KubeConnection, path: string, chunkSize: number): AsyncGenerator<readonly T[]> {
  let token: string | undefined;
  do {
    const { body } = await connection.get<ListPage<T>>(path, { limit: String(chunkSize), continue: token });
    yield body.items ?? [];
    token = body.metadata?.continue || undefined;
  } while (token);
}
