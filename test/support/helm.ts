import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { resolveTool } from '../control-plane/binaries.ts';
import type { Manifest } from './manifests.ts';

/** The chart `helm install` deploys. */
export const CHART_DIR = fileURLToPath(new URL('../../charts/sidecar-injector/', import.meta.url));

export class HelmError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** Runs the helm built from test/control-plane/go/helm; resolves to stdout, rejects with its stderr. */
export async function helm(args: readonly string[], options: { kubeconfig?: string } = {}): Promise<string> {
  const binary = await resolveTool('helm');
  const home = fileURLToPath(new URL('../../.cache/helm/', import.meta.url));
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? '/tmp',
    HELM_CACHE_HOME: `${home}cache`,
    HELM_CONFIG_HOME: `${home}config`,
    HELM_DATA_HOME: `${home}data`,
    ...(options.kubeconfig ? { KUBECONFIG: options.kubeconfig } : {}),
  };
  try {
    const { stdout } = await promisify(execFile)(binary, [...args], { env, maxBuffer: 64 << 20 });
    return stdout;
  } catch (error) {
    const failure = error as { stderr?: string; message: string };
    throw new HelmError(`helm ${args.join(' ')}: ${failure.stderr?.trim() || failure.message}`, failure.stderr ?? '');
  }
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((document) => document.toJS() as Manifest | null)
    .filter((manifest): manifest is Manifest => manifest !== null);
}

export interface RenderOptions {
  readonly release?: string;
  readonly namespace?: string;
  readonly values?: object;
}

/** What `helm template` renders: every object, hooks included (they carry helm.sh/hook). */
export async function renderChart(options: RenderOptions = {}): Promise<Manifest[]> {
  return parseManifests(await helm(['template', options.release ?? 'sidecar-injector', CHART_DIR, '--namespace', options.namespace ?? 'sidecar-injector', '--values', valuesFile(options.values ?? {})]));
}

/** A values file for --values: JSON is YAML, so any structure passes through unchanged. */
export function valuesFile(values: object): string {
  const file = join(mkdtempSync(join(tmpdir(), 'chart-values-')), 'values.json');
  writeFileSync(file, JSON.stringify(values));
  return file;
}

export function isHook(manifest: Manifest): boolean {
  return (manifest.metadata as { annotations?: Record<string, string> }).annotations?.['helm.sh/hook'] !== undefined;
}
