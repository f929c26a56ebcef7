import type { Findings } from './template-fields.ts';

/** Which namespaces may use a template: compiled once from the names and globs an operator wrote. */
export interface NamespaceScope {
  readonly allows: (namespace: string) => boolean;
  /** As written, for messages. */
  readonly patterns: readonly string[];
}

/** A namespace name (DNS label), or one with `*` (any characters, none included) and `?` (exactly one). */
const PATTERN = /^[a-z0-9*?]([-a-z0-9*?]*[a-z0-9*?])?$/;

/** undefined when the field is absent: the template may be used in every selected namespace. */
export function readNamespaceScope(raw: unknown, path: string, findings: Findings): NamespaceScope | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (!Array.isArray(raw) || raw.length === 0) {
    findings.error(path, 'must be a non-empty list of namespace names or globs ("team-a", "platform-*"); leave it out to allow every namespace');
    return undefined;
  }
  const names = new Set<string>();
  const globs: string[] = [];
  raw.forEach((item: unknown, index) => {
    if (typeof item !== 'string' || item.length > 63 || !PATTERN.test(item)) {
      findings.error(`${path}[${index}]`, 'must be a namespace name or a glob of lowercase letters, digits, "-", "*" and "?" (at most 63 characters)');
    } else if (/[*?]/.test(item)) {
      globs.push(item);
    } else {
      names.add(item);
    }
  });
  const patterns = raw.filter((item): item is string => typeof item === 'string');
  if (globs.length === 0) return { allows: (namespace) => names.has(namespace), patterns };
  return { allows: (namespace) => names.has(namespace) || globs.some((glob) => matchesGlob(glob, namespace)), patterns };
}

/**
 * Glob matching in O(pattern × text) at worst, backtracking only to the last `*`: a
 * regular expression of several `.*` can take exponential time on a long non-matching
 * namespace, and the namespace comes with the request.
 */
export function matchesGlob(glob: string, text: string): boolean {
  let g = 0;
  let t = 0;
  let star = -1;
  let resume = 0;
  while (t < text.length) {
    if (g < glob.length && (glob[g] === '?' || glob[g] === text[t])) {
      g++;
      t++;
    } else if (g < glob.length && glob[g] === '*') {
      star = g++;
      resume = t;
    } else if (star !== -1) {
      g = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (g < glob.length && glob[g] === '*') g++;
  return g === glob.length;
}
