import { describe, expect, it } from 'vitest';
import { onFreePorts } from './free-port.ts';

describe(onFreePorts.name, () => {
  it('gives distinct ports, and starts again on new ones when a port was taken first', async () => {
    const tried: (readonly number[])[] = [];
    const result = await onFreePorts(2, async (ports) => {
      tried.push(ports);
      if (tried.length < 3) throw new Error(`listen EADDRINUSE: address already in use :::${ports[0]}`);
      return 'started';
    });
    expect(result).toBe('started');
    expect(tried).toHaveLength(3);
    for (const ports of tried) expect(new Set(ports).size).toBe(2);
  });

  it('passes on any other failure at once', async () => {
    let attempts = 0;
    await expect(
      onFreePorts(1, async () => {
        attempts += 1;
        throw new Error('invalid configuration');
      }),
    ).rejects.toThrow('invalid configuration');
    expect(attempts).toBe(1);
  });

  it('gives up after its attempts', async () => {
    await expect(onFreePorts(1, () => Promise.reject(new Error('EADDRINUSE')), 2)).rejects.toThrow('EADDRINUSE');
  });
});
