import { describe, expect, it } from 'vitest';
import { EventQueue } from './event-queue.ts';

function queueAt(limits: Partial<ConstructorParameters<typeof EventQueue>[0]> = {}) {
  const clock = { now: 0 };
  const queue = new EventQueue<string>({ maxPending: 3, perSecond: 2, burst: 2, dedupeWindowMs: 1_000, ...limits }, () => clock.now);
  return { queue, clock };
}

describe(EventQueue.name, () => {
  it('suppresses an identical event inside the window and accepts it after', () => {
    const { queue, clock } = queueAt();
    expect(queue.enqueue('a', 'first')).toBe('queued');
    expect(queue.enqueue('a', 'again')).toBe('duplicate');
    clock.now = 1_000;
    expect(queue.enqueue('a', 'later')).toBe('queued');
  });

  it('drops what does not fit instead of growing', () => {
    const { queue } = queueAt();
    expect(['a', 'b', 'c', 'd'].map((key) => queue.enqueue(key, key))).toEqual(['queued', 'queued', 'queued', 'dropped']);
    expect(queue.size).toBe(3);
  });

  it('lets a burst through, then paces at the sustained rate', () => {
    const { queue, clock } = queueAt({ maxPending: 10 });
    for (const key of ['a', 'b', 'c', 'd']) queue.enqueue(key, key);
    expect(queue.take()).toEqual({ item: 'a' });
    expect(queue.take()).toEqual({ item: 'b' });
    expect(queue.take()).toEqual({ waitMs: 500 });
    clock.now = 500;
    expect(queue.take()).toEqual({ item: 'c' });
    expect(queue.take()).toEqual({ waitMs: 500 });
  });

  it('has nothing to give when empty', () => {
    expect(queueAt().queue.take()).toBeUndefined();
  });
});
