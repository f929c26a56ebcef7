import type { Sidecar } from '../../injection/sidecar-config.ts';

/**
 * The namespace a template is rendered for on the sample pod: the dry run's own when the
 * template may be used there, else the first it allows (a glob with each wildcard made an
 * "x": `platform-*` gives `platform-x`), so a template limited to other namespaces is
 * still rendered as the webhook would render it for one of its pods.
 */
export function renderNamespace(sidecar: Sidecar, dryRunNamespace: string): string {
  const scope = sidecar.namespaces;
  if (!scope || scope.allows(dryRunNamespace)) return dryRunNamespace;
  // The parser accepts only lowercase names and globs that start and end with [a-z0-9*?], so the result is a DNS label.
  return scope.patterns[0]!.replace(/[*?]/g, 'x');
}
