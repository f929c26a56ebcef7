import { writeSync } from 'node:fs';

/**
 * Writes log lines to stdout in one system call per event-loop turn instead of one per
 * line: under load, a write per admission costs more than the admission. What is pending
 * is written synchronously when the process exits, so nothing logged is lost on exit.
 */
export class BatchedStdout {
  private pending: string[] = [];
  private scheduled = false;

  constructor(private readonly fd = 1) {
    process.once('exit', () => this.flush());
  }

  readonly write = (line: string): void => {
    this.pending.push(line);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  };

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    writeAll(this.fd, text);
  }
}

/** A pipe may take less than asked (EAGAIN on a full non-blocking pipe): keep writing until all is out. */
function writeAll(fd: number, text: string): void {
  let buffer = Buffer.from(text);
  while (buffer.length > 0) {
    try {
      buffer = buffer.subarray(writeSync(fd, buffer));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
    }
  }
}
