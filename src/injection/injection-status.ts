import { STATUS_KEY } from './annotations.ts';
import type { ParameterValue } from './template-parameters.ts';

/** What the `sidecar-injector.io/status` annotation records about one injection. */
export interface InjectionStatus {
  /** Sidecar → hash of the template it was rendered from (parameter declarations included). */
  readonly sidecars: Readonly<Record<string, string>>;
  /**
   * Sidecar → parameter → the value it was rendered with (the pod's, or the default), for
   * the sidecars that declare parameters. Absent when none does, and in annotations written
   * before parameters existed.
   */
  readonly parameters?: Readonly<Record<string, Readonly<Record<string, ParameterValue>>>>;
}

/** The annotation's value, written once per injected pod: `{"sidecars":{...}}`, plus `"parameters"` when there are any. */
export function formatInjectionStatus(status: InjectionStatus): string {
  const parameters = status.parameters && Object.keys(status.parameters).length > 0 ? status.parameters : undefined;
  return JSON.stringify(parameters ? { sidecars: status.sidecars, parameters } : { sidecars: status.sidecars });
}

/**
 * Reads a pod's status annotation; undefined when it is absent or not one this injector
 * wrote (hand-edited, truncated), which callers treat as "not injected by us". Reads both
 * formats: `{"sidecars":{name:hash}}` and the same with `"parameters"`.
 */
export function parseInjectionStatus(annotations: Readonly<Record<string, string>> | null | undefined): InjectionStatus | undefined {
  const value = annotations?.[STATUS_KEY];
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    const sidecars = (parsed as { sidecars?: unknown } | null)?.sidecars;
    if (!isMapOf(sidecars, (hash) => typeof hash === 'string')) return undefined;
    const parameters = (parsed as { parameters?: unknown }).parameters;
    if (parameters === undefined) return { sidecars: sidecars as Record<string, string> };
    if (!isMapOf(parameters, (values) => isMapOf(values, isParameterValue))) return undefined;
    return { sidecars: sidecars as Record<string, string>, parameters: parameters as Record<string, Record<string, ParameterValue>> };
  } catch {
    return undefined;
  }
}

function isMapOf(value: unknown, isItem: (item: unknown) => boolean): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.values(value).every(isItem);
}

function isParameterValue(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
}
