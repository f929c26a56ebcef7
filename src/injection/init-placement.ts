import { isDnsLabel, type Findings } from './template-fields.ts';

/**
 * Where a template's init containers go among the pod's own: `first` (before them, the
 * default), `last` (after them), or next to one of them by name. Native sidecars are not
 * placed by this: they always start before the pod's own init containers.
 */
export type InitPlacement = { readonly kind: 'first' } | { readonly kind: 'last' } | { readonly kind: 'before'; readonly container: string } | { readonly kind: 'after'; readonly container: string };

export const DEFAULT_INIT_PLACEMENT: InitPlacement = Object.freeze({ kind: 'first' });
const LAST: InitPlacement = Object.freeze({ kind: 'last' });

export function readInitPlacement(raw: unknown, hasInitContainers: boolean, path: string, findings: Findings): InitPlacement {
  if (raw === undefined || raw === null) return DEFAULT_INIT_PLACEMENT;
  const text = typeof raw === 'string' ? raw : '';
  const [kind, container] = text.includes(':') ? [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1).trim()] : [text, undefined];
  let placement: InitPlacement | undefined;
  if (container === undefined && kind === 'first') placement = DEFAULT_INIT_PLACEMENT;
  else if (container === undefined && kind === 'last') placement = LAST;
  else if ((kind === 'before' || kind === 'after') && container !== undefined && isDnsLabel(container)) placement = { kind, container };
  if (!placement) {
    findings.error(path, 'must be first, last, before:<init container> or after:<init container>');
    return DEFAULT_INIT_PLACEMENT;
  }
  if (!hasInitContainers) findings.error(path, 'places initContainers, but this template has none');
  return placement;
}

export function describePlacement(placement: InitPlacement): string {
  return 'container' in placement ? `${placement.kind}:${placement.container}` : placement.kind;
}
