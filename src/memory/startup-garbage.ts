/**
 * V8 keeps the heap that start-up grew (module loading, key generation: a young generation
 * at its largest, garbage in the old one) until memory runs short, which at rest is never.
 * Collecting everything once, when the service is ready, returns about 20 MiB to the
 * system; under load the heap grows again as far as it needs. Needs `--expose-gc`, which
 * main.ts's restart adds; without it (flags set by the operator, tests) this does nothing.
 */
export function releaseStartupGarbage(): void {
  globalThis.gc?.({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
