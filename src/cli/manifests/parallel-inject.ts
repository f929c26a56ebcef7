import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { CliError } from '../cli-error.ts';
import type { ExitCode } from '../exit-codes.ts';
import type { LocationOutcome } from './inject-manifest.ts';
import type { ChunkInput, ChunkResult } from './inject-worker.ts';

/** Below this, starting threads costs more than it saves. */
const PARALLEL_FROM_BYTES = 1024 * 1024;
const MAX_THREADS = 4;
/** A line that starts a document, whatever it is inside of (YAML forbids it in any scalar). */
const DOCUMENT_START = /^---(?=[ \t\r\n]|$)/gm;

export type ChunkOptions = Omit<ChunkInput, 'text' | 'position'>;

/**
 * Injects a large YAML manifest on several threads, each given whole documents (split at
 * `---` lines), and joins their output in order: the same text and the same messages as
 * one thread. Undefined when the file is small, a machine has one core, or the file uses
 * something that makes counting its documents from the text unsure (directives, `...`);
 * the caller then runs on one thread, as it does if the threads count documents otherwise.
 */
export async function injectYamlInParallel(text: string, options: ChunkOptions): Promise<{ output: string; outcomes: LocationOutcome[] } | undefined> {
  const worker = new URL('./inject-worker.js', import.meta.url);
  const threads = Math.min(availableParallelism(), MAX_THREADS);
  if (text.length < PARALLEL_FROM_BYTES || threads < 2 || !existsSync(fileURLToPath(worker)) || /^(%|\.\.\.(?=[ \t\r\n]|$))/m.test(text)) return undefined;
  const chunks = split(text, threads);
  if (chunks.length < 2) return undefined;
  const results = await Promise.all(chunks.map((chunk) => run(worker, { ...options, ...chunk })));

  const failures = results.filter((result) => !result.ok);
  if (failures.length > 0)
    throw new CliError(
      failures.flatMap((failure) => failure.lines),
      failures[0]!.exitCode as ExitCode,
    );
  let documents = 0;
  for (const [index, result] of results.entries()) {
    if (!result.ok || chunks[index]!.position.documentsBefore !== documents) return undefined;
    documents += result.documents;
  }
  const done = results as Extract<ChunkResult, { ok: true }>[];
  return { output: done.map((result) => result.output).join(''), outcomes: done.flatMap((result) => result.outcomes) };
}

function split(text: string, parts: number): Pick<ChunkInput, 'text' | 'position'>[] {
  const starts = [...text.matchAll(DOCUMENT_START)].map((match) => match.index);
  const boundaries = [0];
  for (let part = 1; part < parts; part++) {
    const next = starts.find((start) => start > boundaries.at(-1)! && start >= (text.length * part) / parts);
    if (next !== undefined) boundaries.push(next);
  }
  // Documents before a chunk: one per `---` before it, plus a first document written without one.
  const leading = text.slice(0, starts[0] ?? text.length);
  const bareFirst = leading.split('\n').some((line) => line.trim() !== '' && !line.trimStart().startsWith('#')) ? 1 : 0;
  return boundaries.map((start, index) => {
    const end = boundaries[index + 1] ?? text.length;
    return {
      text: text.slice(start, end),
      position: {
        documentsBefore: start === 0 ? 0 : bareFirst + starts.filter((marker) => marker < start).length,
        linesBefore: countNewlines(text, start),
      },
    };
  });
}

function countNewlines(text: string, end: number): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < end; at = text.indexOf('\n', at + 1)) count += 1;
  return count;
}

function run(worker: URL, input: ChunkInput): Promise<ChunkResult> {
  return new Promise((resolve, reject) => {
    const thread = new Worker(worker, { workerData: input });
    thread.once('message', (result: ChunkResult) => resolve(result));
    thread.once('error', reject);
    thread.once('exit', (code) => {
      if (code !== 0) reject(new Error(`the injection thread exited with ${code}`));
    });
  });
}
