import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IdentityReport, IdentitySink, IdentitySource } from './identity-source.ts';
import { SharedIdentitySource } from './shared-identity-source.ts';
import type { TlsState } from './tls-state.ts';
import type { StoredTls, TlsStore } from './tls-store.ts';

function identity(name: string): TlsState {
  return { caCertificates: [`${name} ca`], caKey: `${name} ca key`, certificate: `${name} certificate`, key: `${name} key` };
}

/** A source driven by the test: it answers when told to. */
class ScriptedSource implements IdentitySource {
  sink: IdentitySink | undefined;
  stopped = false;
  private answered: () => void = () => undefined;
  private readonly firstAnswer = new Promise<void>((resolve) => (this.answered = resolve));

  constructor(readonly description: string) {}

  start(sink: IdentitySink): Promise<void> {
    this.sink = sink;
    return this.firstAnswer;
  }

  async stop(): Promise<void> {
    this.stopped = true;
  }

  accept(state: TlsState): void {
    this.sink?.accept(state, { changes: [], defects: [] });
    this.answered();
  }

  reject(problem: string): void {
    this.sink?.reject(problem);
    this.answered();
  }
}

class CacheStore implements TlsStore {
  readonly description = 'directory /tls';
  saved: TlsState[] = [];
  async load(): Promise<StoredTls | undefined> {
    return undefined;
  }
  async save(state: TlsState): Promise<'saved'> {
    this.saved.push(state);
    return 'saved';
  }
}

function setUp(startupWaitMs = 1_000) {
  const shared = new ScriptedSource('Secret platform/injector-tls');
  const standIn = new ScriptedSource('directory /tls');
  const cache = new CacheStore();
  const source = new SharedIdentitySource({ shared, cache, standIn: () => standIn, startupWaitMs });
  const accepted: { state: TlsState; report: IdentityReport }[] = [];
  const rejected: string[] = [];
  const sink: IdentitySink = { accept: (state, report) => accepted.push({ state, report }), reject: (problem) => rejected.push(problem) };
  return { shared, standIn, cache, source, sink, accepted, rejected };
}

afterEach(() => {
  vi.useRealTimers();
});

describe(SharedIdentitySource.name, () => {
  it('serves the shared identity when the apiserver answers, and keeps a copy in TLS_DIR', async () => {
    const { shared, standIn, cache, source, sink, accepted } = setUp();
    const started = source.start(sink);
    shared.accept(identity('shared'));
    await started;
    expect(accepted).toEqual([{ state: identity('shared'), report: { changes: [], defects: [] } }]);
    expect(cache.saved).toEqual([identity('shared')]);
    expect(standIn.sink).toBeUndefined();
  });

  it('brings in a stand-in, marked provisional with the reason, when the Secret cannot be read', async () => {
    const { shared, standIn, source, sink, accepted } = setUp();
    const started = source.start(sink);
    shared.reject('cannot load or renew the certificate in Secret platform/injector-tls: connect ECONNREFUSED');
    await vi.waitFor(() => expect(standIn.sink).toBeDefined());
    standIn.accept(identity('local'));
    await started;
    expect(accepted).toEqual([
      {
        state: identity('local'),
        report: { changes: [], defects: [], provisional: 'cannot load or renew the certificate in Secret platform/injector-tls: connect ECONNREFUSED; serving a stand-in from directory /tls until it answers' },
      },
    ]);
  });

  it('brings in a stand-in when the apiserver does not answer in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { standIn, source, sink, accepted } = setUp(3_000);
    const started = source.start(sink);
    await vi.advanceTimersByTimeAsync(3_000);
    standIn.accept(identity('local'));
    await started;
    expect(accepted[0]!.report.provisional).toBe('Secret platform/injector-tls: no answer within 3000 ms; serving a stand-in from directory /tls until it answers');
  });

  it('moves to the shared identity at its first answer, stops the stand-in, and caches only then', async () => {
    const { shared, standIn, cache, source, sink, accepted } = setUp();
    const started = source.start(sink);
    shared.reject('down');
    await vi.waitFor(() => expect(standIn.sink).toBeDefined());
    standIn.accept(identity('local'));
    await started;
    expect(cache.saved).toEqual([]);

    shared.accept(identity('shared'));
    await vi.waitFor(() => expect(cache.saved).toEqual([identity('shared')]));
    expect(standIn.stopped).toBe(true);
    expect(accepted.at(-1)).toEqual({ state: identity('shared'), report: { changes: [], defects: [] } });
    // A stand-in renewal still in flight must not win over the shared identity.
    standIn.accept(identity('late local'));
    expect(accepted.at(-1)!.state).toEqual(identity('shared'));
  });

  it('keeps caching the shared identity after a step that failed', async () => {
    const { shared, standIn, cache, source, sink, rejected } = setUp();
    const started = source.start(sink);
    shared.reject('down');
    await vi.waitFor(() => expect(standIn.sink).toBeDefined());
    standIn.accept(identity('local'));
    await started;
    standIn.stop = () => Promise.reject(new Error('the stand-in would not stop'));
    shared.accept(identity('shared'));
    await vi.waitFor(() => expect(rejected.at(-1)).toBe(`cannot keep a copy of the shared certificate in directory /tls: the stand-in would not stop`));
    shared.accept(identity('renewed'));
    await vi.waitFor(() => expect(cache.saved).toEqual([identity('renewed')]));
  });

  it('reports each outage of the shared identity once, not at every retry', async () => {
    const { shared, source, sink, rejected } = setUp();
    const started = source.start(sink);
    shared.accept(identity('shared'));
    await started;
    shared.reject('apiserver down');
    shared.reject('apiserver down');
    shared.accept(identity('shared'));
    shared.reject('apiserver down');
    expect(rejected).toEqual(['apiserver down', 'apiserver down']);
  });
});
