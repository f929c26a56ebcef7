/** A one-line counter on a terminal, rewritten in place; nothing at all when stderr is a file or pipe. */
export class Progress {
  private shown = false;

  constructor(private readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean }) {}

  update(text: string): void {
    if (!this.stream.isTTY) return;
    this.stream.write(`\r\x1b[K${text}`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}
