import { readFile } from 'node:fs/promises';
import { DEFAULT_SIDECAR_CONFIG } from '../../config/app-config.ts';
import { parseSidecarConfig, SidecarConfigError } from '../../injection/sidecar-config-parser.ts';
import type { SidecarConfig } from '../../injection/sidecar-config.ts';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

export interface LoadedSidecarConfig {
  readonly config: SidecarConfig;
  /** Where the templates came from, as the messages name it: a path or `configmap ns/name key`. */
  readonly source: string;
  /** The text they were parsed from (threads parse it again: a parsed config cannot cross threads). */
  readonly text: string;
}

/** `--config`, else SIDECAR_CONFIG, else the shipped file: the order the service itself uses, plus the flag. */
export function sidecarConfigPath(flag: string | undefined, env: Readonly<Record<string, string | undefined>> = process.env): string {
  return flag || env['SIDECAR_CONFIG'] || DEFAULT_SIDECAR_CONFIG;
}

/** Reads and validates a templates file exactly as the service loads SIDECAR_CONFIG. */
export async function loadSidecarConfigFile(path: string): Promise<LoadedSidecarConfig> {
  return parseSidecarConfigText(await readSidecarConfigFile(path), path);
}

export async function readSidecarConfigFile(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new CliError([`cannot read the sidecar templates ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`], ExitCode.input);
  }
}

/** Validates templates text with the service's parser; its problems become one line each. */
export function parseSidecarConfigText(text: string, source: string, exitCode: ExitCode = ExitCode.input): LoadedSidecarConfig {
  try {
    return { config: parseSidecarConfig(text, source), source, text };
  } catch (error) {
    if (error instanceof SidecarConfigError) throw new CliError(sidecarConfigProblemLines(error), exitCode);
    throw error;
  }
}

export function sidecarConfigProblemLines(error: SidecarConfigError): string[] {
  return error.problems.map((problem) => `${error.source}: ${problem}`);
}
