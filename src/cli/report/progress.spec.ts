import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Progress } from './progress.ts';

function stream(isTTY: boolean): Writable & { isTTY: boolean; text: string } {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      sink.text += chunk.toString();
      done();
    },
  }) as Writable & { isTTY: boolean; text: string };
  sink.text = '';
  sink.isTTY = isTTY;
  return sink;
}

describe(Progress.name, () => {
  it('rewrites one line on a terminal and clears it when done', async () => {
    const terminal = stream(true);
    const progress = new Progress(terminal);
    progress.update('checked 500 pods');
    progress.update('checked 1000 pods');
    progress.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(terminal.text).toBe('\r\x1b[Kchecked 500 pods\r\x1b[Kchecked 1000 pods\r\x1b[K');
  });

  it('writes nothing to a file or pipe', async () => {
    const pipe = stream(false);
    const progress = new Progress(pipe);
    progress.update('checked 500 pods');
    progress.done();
    await new Promise((resolve) => setImmediate(resolve));
    expect(pipe.text).toBe('');
  });
});
