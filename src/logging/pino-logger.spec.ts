import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { LogLevel } from '../config/app-config.ts';
import { PinoLogger } from './pino-logger.ts';

function capture(level: LogLevel = 'info') {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = new PinoLogger(level, (line) => {
    expect(line.endsWith('\n')).toBe(true);
    raw.push(line);
    lines.push(JSON.parse(line) as Record<string, unknown>);
  });
  return { logger, lines, raw };
}

describe(PinoLogger.name, () => {
  it('writes one JSON object per event with time, level, context and fields', () => {
    const { logger, lines } = capture();
    logger.log({ msg: 'admission review', uid: 'u1', durationMs: 0.4 }, 'Admission');
    expect(lines).toEqual([{ time: expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]+Z$/), level: 'info', context: 'Admission', msg: 'admission review', uid: 'u1', durationMs: 0.4 }]);
  });

  it('writes string messages as msg, with or without a context', () => {
    const { logger, lines } = capture();
    logger.warn('plain');
    logger.warn('with context', 'Somewhere');
    expect(lines.map(({ level, context, msg }) => ({ level, context, msg }))).toEqual([
      { level: 'warn', context: undefined, msg: 'plain' },
      { level: 'warn', context: 'Somewhere', msg: 'with context' },
    ]);
  });

  it('drops what is below LOG_LEVEL, and maps verbose to debug and fatal to error', () => {
    const { logger, lines } = capture('warn');
    logger.log('info');
    logger.debug('debug');
    logger.verbose('verbose');
    logger.warn('warn');
    logger.fatal('fatal');
    expect(lines.map((line) => [line['level'], line['msg']])).toEqual([
      ['warn', 'warn'],
      ['error', 'fatal'],
    ]);
    const debug = capture('debug');
    debug.logger.verbose('verbose');
    expect(debug.lines.map((line) => line['level'])).toEqual(['debug']);
  });

  it("demotes the framework's start-up chatter to debug", () => {
    const { logger, lines } = capture('info');
    logger.log('Mapped {/inject, POST} route', 'RouterExplorer');
    expect(lines).toEqual([]);
    const debug = capture('debug');
    debug.logger.log('Mapped {/inject, POST} route', 'RouterExplorer');
    expect(debug.lines).toMatchObject([{ level: 'debug', context: 'RouterExplorer' }]);
  });

  it('keeps the stack of errors, given as the message or as Nest passes it (message, stack, context)', () => {
    const { logger, lines } = capture();
    logger.error(new Error('broken'), 'Somewhere');
    logger.error('failed', 'Error: failed\n    at somewhere', 'Elsewhere');
    logger.error({ msg: 'with fields', uid: 'u2' }, 'Error: stack\n    at x', 'Third');
    expect(lines).toMatchObject([
      { level: 'error', context: 'Somewhere', msg: 'broken', error: expect.stringContaining('Error: broken') },
      { level: 'error', context: 'Elsewhere', msg: 'failed', error: 'Error: failed\n    at somewhere' },
      { level: 'error', context: 'Third', msg: 'with fields', uid: 'u2', error: 'Error: stack\n    at x' },
    ]);
  });

  it('writes Error values among the fields as their message and name', () => {
    const { logger, lines } = capture();
    logger.warn({ msg: 'retrying', cause: new TypeError('no route') });
    expect(lines[0]).toMatchObject({ msg: 'retrying', cause: { message: 'no route', name: 'TypeError' } });
  });

  it('never lets key material through, whoever logs it and however: a field, the message, a stack, nested, cut short', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const body = pem.split('\n')[1]!;
    const { logger, lines, raw } = capture('debug');
    logger.error({ msg: 'oops', detail: pem });
    logger.warn(`loaded ${pem} from disk`, 'Certificates');
    logger.error(new Error(`cannot parse ${pem}`));
    logger.debug({ msg: 'nested', secret: { data: { 'tls.key': pem, list: [pem] } } });
    logger.log({ msg: 'cut', partial: pem.slice(0, 200) });
    logger.log({ msg: 'two in one', both: `${pem}and${pem}`, after: 'kept' });

    expect(raw).toHaveLength(6);
    for (const line of raw) expect(line).not.toContain(body.slice(0, 24));
    expect(raw.join('')).not.toMatch(/MII[A-Za-z0-9+/]{20}/);
    expect(lines[0]!['detail']).toBe('[redacted PEM]\n');
    expect(lines[1]!['msg']).toBe('loaded [redacted PEM]\n from disk');
    expect(lines[4]!['partial']).toBe('[redacted PEM]');
    expect(lines[5]).toMatchObject({ both: '[redacted PEM]\nand[redacted PEM]\n', after: 'kept' });
  });

  it('never holds up the event loop while stdout is not being read, and loses nothing once it is', { timeout: 30_000 }, async () => {
    // The child logs ~6 MB to a pipe nobody reads yet (a pipe holds 64 KiB), then says so on
    // stderr and exits. A writer that waits for the pipe never gets to say it; pino's
    // asynchronous destination does, and its flush at exit delivers every line.
    const lines = 30_000;
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../test/support/slow-stdout-logger.ts', import.meta.url)), String(lines)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pause();
    const stderr: string[] = [];
    const saidLogged = new Promise<string>((resolve, reject) => {
      child.stderr.setEncoding('utf8').on('data', (text: string) => {
        stderr.push(text);
        if (stderr.join('').includes('logged')) resolve(stderr.join(''));
      });
      child.once('exit', () => reject(new Error(`exited before saying it had logged: ${stderr.join('')}`)));
    });
    expect(await saidLogged).toMatch(/logged \d+ lines; timers ran during the logging: true/);

    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stdout.resume();
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    expect(code).toBe(0);
    const written = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    expect(written).toHaveLength(lines);
    expect(JSON.parse(written.at(-1)!)).toMatchObject({ level: 'info', context: 'Fixture', msg: 'line', index: lines - 1 });
  });

  it.each([1_000, 1_500, 3_000])('delivers the tail of a burst of %i lines once stdout drains, while the process lives on and logs nothing more', async (burst) => {
    const tail = 3;
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../test/support/burst-then-idle-logger.ts', import.meta.url)), String(burst), String(tail)], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      child.stdout.pause();
      await new Promise<void>((resolve, reject) => {
        child.stderr.setEncoding('utf8').on('data', (text: string) => text.includes('logged') && resolve());
        child.once('exit', (code) => reject(new Error(`exited (${code}) before saying it had logged`)));
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
      child.stdout.resume();
      await expect.poll(() => output.split('\n').length - 1, { timeout: 5_000 }).toBe(burst + tail);
      expect(child.exitCode).toBeNull();
      expect(JSON.parse(output.trimEnd().split('\n').at(-1)!)).toMatchObject({ msg: 'line', index: burst + tail - 1 });
    } finally {
      child.kill();
    }
  });
});
