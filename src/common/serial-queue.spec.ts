import { describe, expect, it, vi } from 'vitest';
import { SerialQueue } from './serial-queue.ts';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe(SerialQueue.name, () => {
  it('runs steps one at a time, in the order they were pushed', async () => {
    const queue = new SerialQueue(() => undefined);
    const log: string[] = [];
    const step = (name: string) => async () => {
      log.push(`${name} starts`);
      await tick();
      log.push(`${name} ends`);
    };
    await Promise.all([queue.push(step('a')), queue.push(step('b'))]);
    expect(log).toEqual(['a starts', 'a ends', 'b starts', 'b ends']);
  });

  it('reports a step that fails, and still runs the next', async () => {
    const failures: unknown[] = [];
    const queue = new SerialQueue((error) => failures.push(error));
    const ran: string[] = [];
    await expect(queue.push(() => Promise.reject(new Error('once')))).resolves.toBeUndefined();
    await queue.push(() => ran.push('next'));
    expect(failures).toEqual([new Error('once')]);
    expect(ran).toEqual(['next']);
  });

  it('keeps going when reporting a failure fails too, and warns', async () => {
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      const queue = new SerialQueue(() => {
        throw new Error('no logger');
      });
      await queue.push(() => {
        throw new Error('step');
      });
      const ran: string[] = [];
      await queue.push(() => ran.push('next'));
      expect(ran).toEqual(['next']);
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('Error: step'));
    } finally {
      warn.mockRestore();
    }
  });

  it('is idle once every step pushed so far has run', async () => {
    const queue = new SerialQueue(() => undefined);
    let done = false;
    void queue.push(async () => {
      await tick();
      done = true;
    });
    await queue.idle();
    expect(done).toBe(true);
  });
});
