import { STATUS_KEY } from './annotations.ts';

/** What the `sidecar-injector.io/status` annotation records about one injection. */
export interface InjectionStatus {
  /** Sidecar name → hash of the template it was rendered from. */
  readonly sidecars: Readonly<Record<string, string>>;
}

/** The annotation's value, written once per injected pod. */
export function formatInjectionStatus(status: InjectionStatus): string {
  return JSON.stringify({ sidecars: status.sidecars });
}

/**
 * Reads a pod's status annotation; undefined when it is absent or not one this injector
 * wrote (hand-edited, truncated), which callers treat as "not injected by us".
 */
export function parseInjectionStatus(annotations: Readonly<Record<string, string>> | null | undefined): InjectionStatus | undefined {
  const value = annotations?.[STATUS_KEY];
  if (value === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    const sidecars = (parsed as { sidecars?: unknown } | null)?.sidecars;
    if (sidecars === null || typeof sidecars !== 'object' || Array.isArray(sidecars)) return undefined;
    if (!Object.values(sidecars).every((hash) => typeof hash === 'string')) return undefined;
    return { sidecars: sidecars as Record<string, string> };
  } catch {
    return undefined;
  }
}
