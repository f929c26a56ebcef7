import { X509Certificate } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { IdentityReport, IdentitySink } from './identity-source.ts';
import type { SelfSignedSettings } from './self-signed-plan.ts';
import { SelfSignedSource } from './self-signed-source.ts';
import type { TlsState } from './tls-state.ts';
import type { StoredTls, TlsStore } from './tls-store.ts';

const settings: SelfSignedSettings = { hostnames: ['injector.platform.svc'], certValidityMs: 3_600_000, caValidityMs: 36_000_000, renewBeforeMs: 600_000 };

/**
 * A Secret in miniature: versions, compare-and-swap saves and change notifications. A
 * `loadGate` holds every load until that many have started, to line up a race.
 */
class MemoryStore implements TlsStore {
  readonly description = 'memory store';
  state: TlsState | undefined;
  version = 0;
  saves: ('saved' | 'conflict')[] = [];
  failing: Error | undefined;
  private readonly watchers = new Set<() => void>();
  private waiting: (() => void)[] = [];

  constructor(private loadGate = 0) {}

  async load(): Promise<StoredTls | undefined> {
    if (this.failing) throw this.failing;
    const snapshot = this.state && { state: this.state, version: String(this.version) };
    if (this.loadGate > 0) {
      this.loadGate -= 1;
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        if (this.loadGate === 0) for (const release of this.waiting.splice(0)) release();
      });
    }
    return snapshot;
  }

  async save(state: TlsState, version: string | undefined): Promise<'saved' | 'conflict'> {
    const current = this.state ? String(this.version) : undefined;
    const outcome = current === version ? 'saved' : 'conflict';
    this.saves.push(outcome);
    if (outcome === 'saved') this.replace(state);
    return outcome;
  }

  /** Another replica (or a person) writes the store. */
  replace(state: TlsState): void {
    this.state = state;
    this.version += 1;
    for (const notify of this.watchers) setImmediate(notify);
  }

  watch(onChange: () => void): () => void {
    this.watchers.add(onChange);
    return () => this.watchers.delete(onChange);
  }
}

interface Recorded {
  readonly accepted: { state: TlsState; report: IdentityReport }[];
  readonly rejected: string[];
  readonly sink: IdentitySink;
}

function recorder(): Recorded {
  const accepted: Recorded['accepted'] = [];
  const rejected: string[] = [];
  return { accepted, rejected, sink: { accept: (state, report) => accepted.push({ state, report }), reject: (problem) => rejected.push(problem) } };
}

const sources: SelfSignedSource[] = [];
function source(store: TlsStore, clock?: () => number): SelfSignedSource {
  const created = new SelfSignedSource(store, settings, clock);
  sources.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(sources.splice(0).map((created) => created.stop()));
  vi.useRealTimers();
});

describe(SelfSignedSource.name, () => {
  it('creates an identity in an empty store and reports it', async () => {
    const store = new MemoryStore();
    const seen = recorder();
    await source(store).start(seen.sink);
    expect(seen.accepted).toHaveLength(1);
    expect(seen.accepted[0]!.report).toEqual({ changes: ['no certificate yet'], defects: [] });
    expect(store.state).toBe(seen.accepted[0]!.state);
  });

  it('settles a race between two replicas on an empty store: one creates, the other adopts it', async () => {
    const store = new MemoryStore(2);
    const [first, second] = [recorder(), recorder()];
    await Promise.all([source(store).start(first.sink), source(store).start(second.sink)]);
    expect(store.saves).toEqual(['saved', 'conflict']);
    expect(first.accepted.at(-1)!.state).toBe(store.state);
    expect(second.accepted.at(-1)!.state).toBe(store.state);
    const loser = [first, second].find((seen) => seen.accepted[0]!.report.changes[0]!.startsWith('another replica'));
    expect(loser?.accepted[0]!.report.changes).toEqual(['another replica saved memory store first; using its certificate']);
  });

  it('picks up what another replica saved, through the watch', async () => {
    const store = new MemoryStore();
    const [first, second] = [recorder(), recorder()];
    await source(store).start(first.sink);
    await source(store).start(second.sink);
    const renewed = recorder();
    // A third replica renews with a clock far enough ahead that the certificate is due.
    await new SelfSignedSource(store, settings, () => Date.now() + settings.certValidityMs - settings.renewBeforeMs + 60_000).start(renewed.sink);
    await vi.waitFor(() => expect(first.accepted.at(-1)!.state).toBe(store.state));
    await vi.waitFor(() => expect(second.accepted.at(-1)!.state).toBe(store.state));
    expect(renewed.accepted[0]!.report.changes).toEqual(['the serving certificate is due for renewal']);
  });

  it('replaces a corrupt stored identity and says what and where in one line', async () => {
    const store = new MemoryStore();
    store.replace({ caCertificates: ['garbage'], caKey: 'garbage', certificate: 'garbage', key: 'garbage' });
    const seen = recorder();
    await source(store).start(seen.sink);
    expect(seen.accepted[0]!.report.defects).toEqual(['memory store: the stored CA certificate cannot be parsed']);
    expect(new X509Certificate(store.state!.certificate).ca).toBe(false);
  });

  it('re-plans after a conflicting save, on top of what the other replica wrote', async () => {
    const store = new MemoryStore();
    const seen = recorder();
    const created = source(store);
    await created.start(seen.sink);
    const good = store.state!;
    // Someone corrupts it; before our repair lands, a replica writes a good identity again.
    const originalSave = store.save.bind(store);
    let raced = false;
    store.save = async (state, version) => {
      if (!raced) {
        raced = true;
        store.replace(good);
      }
      return originalSave(state, version);
    };
    store.replace({ ...good, certificate: 'garbage' });
    await created.reconcile();
    expect(store.saves.at(-1)).toBe('conflict');
    expect(seen.accepted.at(-1)!.state).toBe(good);
  });

  it('reports a store it cannot read in one line, and retries until it can', async () => {
    const store = new MemoryStore();
    store.failing = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const seen = recorder();
    await source(store).start(seen.sink);
    expect(seen.accepted).toEqual([]);
    expect(seen.rejected).toEqual(['cannot load or renew the certificate in memory store: connect ECONNREFUSED 127.0.0.1:6443']);
    store.failing = undefined;
    await vi.waitFor(() => expect(seen.accepted[0]?.report.changes).toEqual(['no certificate yet']), { timeout: 3_000 });
  });

  it('keeps reconciling after a step that fails outside its own checks', async () => {
    const store = new MemoryStore();
    store.failing = new Error('connect ECONNREFUSED 127.0.0.1:6443');
    const seen = recorder();
    let rejects = 0;
    // The report of the first failure fails too: the step itself rejects.
    const sink: IdentitySink = {
      accept: (state, report) => seen.sink.accept(state, report),
      reject: (problem) => {
        seen.rejected.push(problem);
        if (++rejects === 1) throw new Error('the sink failed');
      },
    };
    await source(store).start(sink);
    expect(seen.rejected[0]).toBe('cannot load or renew the certificate in memory store: connect ECONNREFUSED 127.0.0.1:6443');
    store.failing = undefined;
    await vi.waitFor(() => expect(seen.accepted[0]?.report.changes).toEqual(['no certificate yet']), { timeout: 3_000 });
  });

  it('renews on its own when the serving certificate falls due', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const store = new MemoryStore();
    const seen = recorder();
    await source(store, () => Date.now()).start(seen.sink);
    await vi.advanceTimersByTimeAsync(settings.certValidityMs - settings.renewBeforeMs + 1_000);
    await vi.waitFor(() => expect(seen.accepted.map(({ report }) => report.changes)).toContainEqual(['the serving certificate is due for renewal']));
  });

  it('puts back the identity it serves when the store loses it, rather than making a new CA', async () => {
    const store = new MemoryStore();
    const seen = recorder();
    const created = source(store);
    await created.start(seen.sink);
    const serving = store.state!;
    store.state = undefined;
    await created.reconcile();
    expect(store.state).toBe(serving);
    expect(seen.accepted.at(-1)!.report.changes).toEqual(['memory store was missing; restored the certificate being served']);
  });

  it('stops for good: no reconcile reaches the sink after stop', async () => {
    const store = new MemoryStore();
    const seen = recorder();
    const created = source(store);
    await created.start(seen.sink);
    await created.stop();
    store.replace({ ...store.state!, certificate: 'garbage' });
    await created.reconcile();
    expect(seen.accepted).toHaveLength(1);
  });
});
