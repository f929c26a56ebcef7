/** Where a command writes: the process's streams, or buffers when a test runs the program. */
export interface CommandIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}
