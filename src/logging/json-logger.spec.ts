import { describe, expect, it } from 'vitest';
import { JsonLogger } from './json-logger.ts';

function capture(level: 'debug' | 'info' | 'warn' | 'error' = 'info') {
  const lines: Record<string, unknown>[] = [];
  const logger = new JsonLogger(level, (line) => {
    expect(line.endsWith('\n')).toBe(true);
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger, lines };
}

describe(JsonLogger.name, () => {
  it('writes one JSON object per event with time, level, context and fields', () => {
    const { logger, lines } = capture();
    logger.log({ msg: 'admission review', uid: 'u1', durationMs: 0.4 }, 'Admission');
    expect(lines).toEqual([{ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: 'info', context: 'Admission', msg: 'admission review', uid: 'u1', durationMs: 0.4 }]);
  });

  it('drops what is below LOG_LEVEL', () => {
    const { logger, lines } = capture('warn');
    logger.log('info');
    logger.debug('debug');
    logger.warn('warn');
    expect(lines.map((line) => line['level'])).toEqual(['warn']);
  });

  it("demotes the framework's start-up chatter to debug", () => {
    const { logger, lines } = capture('info');
    logger.log('Mapped {/inject, POST} route', 'RouterExplorer');
    expect(lines).toEqual([]);
  });

  it('never lets key material through, whoever logs it', () => {
    const { logger, lines } = capture();
    logger.error({ msg: 'oops', detail: '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg\n-----END PRIVATE KEY-----' });
    expect(JSON.stringify(lines)).not.toContain('MIIEvQIBADANBg');
    expect(lines[0]!['detail']).toBe('[redacted PEM]');
  });

  it('keeps the stack of errors', () => {
    const { logger, lines } = capture();
    logger.error(new Error('broken'), 'Somewhere');
    expect(lines[0]).toMatchObject({ level: 'error', context: 'Somewhere', msg: 'broken', error: expect.stringContaining('Error: broken') });
  });
});
