/**
 * meta/v1 LabelSelector as the apiserver evaluates a webhook's namespaceSelector and
 * objectSelector (k8s.io/apimachinery LabelSelectorAsSelector): every matchLabels pair
 * and every matchExpressions requirement must hold. Structured selectors only; the
 * `key=value` strings of NAMESPACE_SELECTOR are parsed elsewhere.
 */
export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: string;
  readonly values?: readonly string[] | null;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>> | null;
  readonly matchExpressions?: readonly LabelSelectorRequirement[] | null;
}

export type Labels = Readonly<Record<string, string>>;

/**
 * Whether `labels` satisfy `selector`. An absent selector is the empty one, which
 * selects everything: the apiserver defaults a webhook's selectors to `{}`. An operator
 * other than In, NotIn, Exists and DoesNotExist selects nothing (the apiserver would have
 * refused it), never everything.
 */
export function matchesLabelSelector(selector: LabelSelector | null | undefined, labels: Labels | null | undefined): boolean {
  const own = labels ?? {};
  for (const [key, value] of Object.entries(selector?.matchLabels ?? {})) {
    if (!Object.hasOwn(own, key) || own[key] !== value) return false;
  }
  return (selector?.matchExpressions ?? []).every((requirement) => matchesRequirement(requirement, own));
}

function matchesRequirement(requirement: LabelSelectorRequirement, labels: Labels): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return present && values.includes(labels[requirement.key]!);
    case 'NotIn':
      // As in Kubernetes: a missing label is "not in" any set.
      return !present || !values.includes(labels[requirement.key]!);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      return false;
  }
}
