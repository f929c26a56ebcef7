import { Logger, type ArgumentsHost } from '@nestjs/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AllExceptionsFilter } from './all-exceptions.filter.ts';

function hostAnswering(): { host: ArgumentsHost; answer: { status?: number; body?: unknown } } {
  const answer: { status?: number; body?: unknown } = {};
  const response = {
    headersSent: false,
    status(code: number) {
      answer.status = code;
      return this;
    },
    json(body: unknown) {
      answer.body = body;
    },
  };
  const host = { switchToHttp: () => ({ getResponse: () => response }) } as unknown as ArgumentsHost;
  return { host, answer };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe(AllExceptionsFilter.name, () => {
  it('answers an unexpected error with a plain 500, and logs it clipped, however much it quotes', () => {
    const logged = vi.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const { host, answer } = hostAnswering();
    new AllExceptionsFilter().catch(new Error(`cannot handle pod ${'n'.repeat(4_000_000)}`), host);
    expect(answer).toMatchObject({ status: 500, body: { message: 'the injector failed to process the request; see its log' } });
    const entry = logged.mock.calls[0]![0] as { error: string };
    expect(entry.error.startsWith('Error: cannot handle pod nnn')).toBe(true);
    expect(entry.error.length).toBeLessThan(10_000);
  });
});
