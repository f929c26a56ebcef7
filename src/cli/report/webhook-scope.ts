import { matchesLabelSelector, type LabelSelector, type Labels } from './label-selector-match.ts';

/** The fields of a registered admissionregistration.k8s.io/v1 MutatingWebhook that decide which pods it sees. */
export interface RegisteredWebhook {
  readonly name: string;
  readonly rules?: readonly { readonly apiGroups?: readonly string[]; readonly resources?: readonly string[]; readonly operations?: readonly string[] }[] | null;
  readonly namespaceSelector?: LabelSelector | null;
  readonly objectSelector?: LabelSelector | null;
  readonly matchConditions?: readonly unknown[] | null;
}

export interface RegisteredWebhookConfiguration {
  readonly metadata?: { readonly name?: string };
  readonly webhooks?: readonly RegisteredWebhook[] | null;
}

/**
 * Which pods the registered webhook is called for: a pod is in scope when one of the
 * configuration's pod-creation webhooks selects both its namespace and its labels (the
 * shipped registration has two, `namespace.` and `object.`, as Istio does).
 */
export class WebhookScope {
  readonly webhooks: readonly RegisteredWebhook[];

  constructor(configuration: RegisteredWebhookConfiguration) {
    this.webhooks = (configuration.webhooks ?? []).filter(interceptsPodCreation);
  }

  /** Names of webhooks with CEL matchConditions, which this command cannot evaluate. */
  get unevaluatedConditions(): string[] {
    return this.webhooks.filter((webhook) => (webhook.matchConditions ?? []).length > 0).map((webhook) => webhook.name);
  }

  /** Whether any pod of a namespace with these labels could be sent to the webhook. */
  selectsNamespace(namespaceLabels: Labels | undefined): boolean {
    return this.webhooks.some((webhook) => matchesLabelSelector(webhook.namespaceSelector, namespaceLabels));
  }

  selectsPod(namespaceLabels: Labels | undefined, podLabels: Labels | undefined): boolean {
    return this.webhooks.some((webhook) => matchesLabelSelector(webhook.namespaceSelector, namespaceLabels) && matchesLabelSelector(webhook.objectSelector, podLabels));
  }
}

function interceptsPodCreation(webhook: RegisteredWebhook): boolean {
  return (webhook.rules ?? []).some(
    (rule) =>
      (rule.apiGroups ?? []).some((group) => group === '' || group === '*') &&
      (rule.resources ?? []).some((resource) => resource === 'pods' || resource === '*' || resource === '*/*') &&
      (rule.operations ?? []).some((operation) => operation === 'CREATE' || operation === '*'),
  );
}
