/** metav1.LabelSelector, as the webhook configuration's namespaceSelector takes it. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly LabelSelectorRequirement[];
}

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values?: readonly string[];
}

const KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;

/**
 * Parses kubectl's equality-based selector syntax: `k=v`, `k==v`, `k!=v`, `k` (exists),
 * `!k` (absent), comma-separated, all of which must hold. Returns an error message for
 * anything else, so a typo stops the process instead of selecting the wrong namespaces.
 */
export function parseLabelSelector(text: string): LabelSelector | string {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: LabelSelectorRequirement[] = [];
  for (const term of text.split(',').map((part) => part.trim())) {
    if (term === '') return 'an empty term';
    const match = /^(!?)([^=!]+?)\s*(?:(==|=|!=)\s*(.*))?$/.exec(term);
    const [, negation, key, operator, value] = match ?? [];
    if (!key || !KEY.test(key)) return `"${term}" does not start with a valid label key`;
    if (operator === undefined) {
      matchExpressions.push({ key, operator: negation ? 'DoesNotExist' : 'Exists' });
      continue;
    }
    if (negation) return `"${term}" mixes "!" with a comparison`;
    if (value === undefined || !VALUE.test(value) || value.length > 63) return `"${term}" has an invalid label value`;
    if (operator === '!=') matchExpressions.push({ key, operator: 'NotIn', values: [value] });
    else matchLabels[key] = value;
  }
  return {
    ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
    ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
  };
}
