import type { LoggerService } from '@nestjs/common';
import { writeSync } from 'node:fs';
import { destination, pino, stdTimeFunctions, type DestinationStream, type Logger } from 'pino';
import type { LogLevel } from '../config/app-config.ts';
import { redactPem } from './pem-redaction.ts';

/** Nest's own start-up chatter (modules loaded, routes mapped) is debug detail, not an event. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);
/**
 * Past this much unwritten output (stdout not keeping up), new lines are dropped rather than
 * held: a stalled log reader must not grow the heap of a webhook every pod creation waits on.
 */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;
/** Lines wait at most this long for the batch they are written in: still "now" to a person reading logs. */
const FLUSH_INTERVAL_MS = 50;
const BATCH_BYTES = 8 * 1024;

export type LogFields = Readonly<Record<string, unknown>>;
/** Where lines go: a pino destination, or (tests) a function called with each line. */
export type LogSink = DestinationStream | ((line: string) => void);

/**
 * Nest's LoggerService on pino: one JSON object per line (`level`, `time`, `context`, `msg`,
 * fields), for log collectors. A message may be a string or an object of fields
 * (`{ msg, uid, ... }`); Nest appends the logger's context as the last argument.
 * stdout is written asynchronously (sonic-boom): a slow reader delays lines, never the
 * event loop; what is pending is flushed when the process exits.
 */
export class PinoLogger implements LoggerService {
  private readonly root: Logger;
  private readonly children = new Map<string, Logger>();

  constructor(level: LogLevel = 'info', sink: LogSink = stdoutDestination()) {
    this.root = pino(
      {
        level,
        base: null,
        timestamp: stdTimeFunctions.isoTime,
        formatters: { level: (label) => ({ level: label }) },
        // Key material never reaches a log, whoever logged it and under whatever field name.
        hooks: { streamWrite: redactPem },
      },
      typeof sink === 'function' ? { write: sink } : sink,
    );
  }

  log(message: unknown, ...rest: unknown[]): void {
    const context = rest.at(-1);
    this.write(typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context) ? 'debug' : 'info', message, rest);
  }

  error(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  warn(message: unknown, ...rest: unknown[]): void {
    this.write('warn', message, rest);
  }

  debug(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  verbose(message: unknown, ...rest: unknown[]): void {
    this.write('debug', message, rest);
  }

  fatal(message: unknown, ...rest: unknown[]): void {
    this.write('error', message, rest);
  }

  private write(level: LogLevel, message: unknown, rest: unknown[]): void {
    if (!this.root.isLevelEnabled(level)) return;
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const logger = context ? this.child(context) : this.root;
    // Nest passes a stack trace as the second argument of error().
    const stack = level === 'error' ? rest.find((item): item is string => typeof item === 'string') : undefined;
    if (message instanceof Error) {
      logger[level]({ error: message.stack ?? stack }, message.message);
    } else if (message !== null && typeof message === 'object') {
      const fields = plainFields(message as LogFields);
      logger[level](stack && fields['error'] === undefined ? { ...fields, error: stack } : fields);
    } else {
      logger[level](stack ? { error: stack } : {}, String(message));
    }
  }

  private child(context: string): Logger {
    let child = this.children.get(context);
    if (!child) this.children.set(context, (child = this.root.child({ context })));
    return child;
  }
}

/** Errors among the fields keep their message and name (JSON.stringify would print `{}`). */
function plainFields(fields: LogFields): LogFields {
  for (const key in fields) {
    if (fields[key] instanceof Error) {
      const copy: Record<string, unknown> = { ...fields };
      for (const name in copy) {
        const value = copy[name];
        if (value instanceof Error) copy[name] = { message: value.message, name: value.name };
      }
      return copy;
    }
  }
  return fields;
}

/**
 * fd 1 through sonic-boom, asynchronously and in batches: lines gather here for up to
 * FLUSH_INTERVAL_MS (or BATCH_BYTES) and go to sonic-boom as one write. A write per line cost
 * a thread-pool round trip per review, about a sixth of a review's CPU time. The batch is
 * ours, not sonic-boom's `minLength`: that one holds a short tail after a write completes
 * until the next line arrives, so the last lines of a burst could wait for ever.
 * Flushed synchronously once, at exit, so nothing logged is lost.
 */
function stdoutDestination(): DestinationStream {
  const stream = destination({ dest: 1, sync: false, maxLength: MAX_BUFFERED_BYTES });
  let batch = '';
  let flushTimer: NodeJS.Timeout | undefined;
  const flush = (): void => {
    clearTimeout(flushTimer);
    flushTimer = undefined;
    if (batch === '') return;
    stream.write(batch);
    batch = '';
  };
  process.once('exit', () => {
    try {
      // What sonic-boom holds is older than the batch: it goes first.
      stream.flushSync();
      if (batch !== '') writeSync(1, batch);
    } catch {
      // Nothing can be reported about a broken stdout.
    }
  });
  return {
    write(line: string): void {
      batch += line;
      if (batch.length >= BATCH_BYTES) flush();
      else flushTimer ??= setTimeout(flush, FLUSH_INTERVAL_MS).unref();
    },
  };
}
