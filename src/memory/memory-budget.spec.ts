import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BudgetExceededError, MemoryBudget } from './memory-budget.ts';

describe(MemoryBudget.name, () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('grants what fits at once and counts it until released', async () => {
    const budget = new MemoryBudget(100, 1_000);
    const first = await budget.reserve(60);
    const second = await budget.reserve(40);
    expect(budget.inUse).toBe(100);
    first();
    second();
    expect(budget.inUse).toBe(0);
  });

  it('grants at once, or not at all, when asked not to wait', () => {
    const budget = new MemoryBudget(100, 1_000);
    const release = budget.tryReserve(80);
    expect(release).toBeTypeOf('function');
    expect(budget.tryReserve(30)).toBeUndefined();
    release!();
    expect(budget.inUse).toBe(0);
  });

  it('counts a release once, however often it is called', async () => {
    const budget = new MemoryBudget(100, 1_000);
    const release = await budget.reserve(30);
    const other = await budget.reserve(30);
    release();
    release();
    expect(budget.inUse).toBe(30);
    other();
  });

  it('makes what does not fit wait until enough is released', async () => {
    const budget = new MemoryBudget(100, 1_000);
    const held = await budget.reserve(80);
    let granted = false;
    const waiting = budget.reserve(50).then((release) => ((granted = true), release));
    await vi.advanceTimersByTimeAsync(500);
    expect(granted).toBe(false);
    expect(budget.waiting).toBe(1);
    held();
    (await waiting)();
    expect(granted).toBe(true);
    expect(budget.inUse).toBe(0);
  });

  it('refuses with BudgetExceededError what still does not fit after the longest wait', async () => {
    const budget = new MemoryBudget(100, 1_000);
    const held = await budget.reserve(80);
    const waiting = budget.reserve(50);
    const outcome = waiting.then(
      () => 'granted',
      (error: unknown) => error,
    );
    await vi.advanceTimersByTimeAsync(1_000);
    expect(await outcome).toBeInstanceOf(BudgetExceededError);
    expect(budget.waiting).toBe(0);
    held();
    expect(budget.inUse).toBe(0);
  });

  it('grants a reservation larger than the whole budget when nothing else is in flight', async () => {
    const budget = new MemoryBudget(100, 1_000);
    const release = await budget.reserve(500);
    expect(budget.inUse).toBe(500);
    release();
  });

  it('lets a smaller waiter that fits go ahead of a larger one that does not', async () => {
    const budget = new MemoryBudget(100, 1_000);
    const held = await budget.reserve(60);
    const order: string[] = [];
    const large = budget.reserve(90).then((release) => (order.push('large'), release));
    const small = budget.reserve(30).then((release) => (order.push('small'), release));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['small']);
    (await small)();
    held();
    (await large)();
    expect(order).toEqual(['small', 'large']);
  });
});
