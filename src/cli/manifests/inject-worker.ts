import { parentPort, workerData } from 'node:worker_threads';
import { parseSidecarConfig } from '../../injection/sidecar-config-parser.ts';
import { CliError } from '../cli-error.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { injectManifest, type LocationOutcome } from './inject-manifest.ts';
import type { ChunkPosition } from './yaml-manifest.ts';
import { parseYamlManifest } from './yaml-manifest.ts';

/** One slice of a large YAML manifest, injected on its own thread (see parallel-inject.ts). */
export interface ChunkInput {
  readonly text: string;
  readonly source: string;
  readonly position: ChunkPosition;
  /** The templates as text: a parsed config holds functions, which cannot cross threads. */
  readonly configText: string;
  readonly configSource: string;
  readonly injectorNamespace: string;
  readonly namespace: string | undefined;
}

export type ChunkResult = { readonly ok: true; readonly output: string; readonly documents: number; readonly outcomes: readonly LocationOutcome[] } | { readonly ok: false; readonly lines: readonly string[]; readonly exitCode: number };

const input = workerData as ChunkInput;
try {
  const config = parseSidecarConfig(input.configText, input.configSource);
  const manifest = parseYamlManifest(input.text, input.source, input.position);
  let documents = 0;
  const counted = {
    format: manifest.format,
    render: () => manifest.render(),
    *documents() {
      for (const document of manifest.documents()) {
        documents += 1;
        yield document;
      }
    },
  };
  const outcomes = injectManifest(counted, { config, policy: cliInjectionPolicy(input.injectorNamespace), namespace: input.namespace });
  // The patches stay here: the caller only reports what was decided.
  const slim = outcomes.map((outcome) => (outcome.decision.outcome === 'injected' ? { ...outcome, decision: { ...outcome.decision, patch: [] } } : outcome));
  parentPort!.postMessage({ ok: true, output: manifest.render(), documents, outcomes: slim } satisfies ChunkResult);
} catch (error) {
  if (!(error instanceof CliError)) throw error;
  parentPort!.postMessage({ ok: false, lines: error.lines, exitCode: error.exitCode } satisfies ChunkResult);
}
