import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '../config/app-config.ts';
import { BatchedStdout } from './batched-stdout.ts';

const SEVERITY: Readonly<Record<LogLevel, number>> = { debug: 10, info: 20, warn: 30, error: 40 };
/** Nest's own start-up chatter (modules loaded, routes mapped) is debug detail, not an event. */
const FRAMEWORK_CONTEXTS = new Set(['NestFactory', 'InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication']);
const PEM = /-----BEGIN [A-Z ]+-----[\s\S]*?(-----END [A-Z ]+-----|$)/g;

export type LogFields = Readonly<Record<string, unknown>>;
type Sink = (line: string) => void;

/**
 * One JSON object per line, for log collectors. A message may be a string or an object
 * of fields (`{ msg, uid, ... }`); Nest appends the logger's context as the last argument.
 */
export class JsonLogger implements LoggerService {
  private readonly threshold: number;

  constructor(
    level: LogLevel = 'info',
    private readonly sink: Sink = new BatchedStdout().write,
  ) {
    this.threshold = SEVERITY[level];
  }

  isEnabled(level: LogLevel): boolean {
    return SEVERITY[level] >= this.threshold;
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
    if (SEVERITY[level] < this.threshold) return;
    const context = typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const entry: Record<string, unknown> = { time: new Date().toISOString(), level };
    if (context) entry['context'] = context;
    if (message instanceof Error) {
      entry['msg'] = message.message;
      entry['error'] = message.stack;
    } else if (message !== null && typeof message === 'object') {
      Object.assign(entry, message);
    } else {
      entry['msg'] = String(message);
    }
    // Nest passes a stack trace as the second argument of error().
    const stack = rest.find((item): item is string => typeof item === 'string');
    if (stack && level === 'error' && entry['error'] === undefined) entry['error'] = stack;
    this.sink(redact(JSON.stringify(entry, errorReplacer)) + '\n');
  }
}

function errorReplacer(_key: string, value: unknown): unknown {
  return value instanceof Error ? { message: value.message, name: value.name } : value;
}

/** A last line of defence: key material never reaches a log, whoever logged it. */
function redact(line: string): string {
  return line.includes('-----BEGIN') ? line.replace(PEM, '[redacted PEM]') : line;
}
