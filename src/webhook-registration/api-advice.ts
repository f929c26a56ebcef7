import { messageOf, statusOf } from '../kubernetes/api-errors.ts';

const RESOURCE = 'mutatingwebhookconfigurations.admissionregistration.k8s.io';

/** Turns an API failure into a sentence that says what is wrong and what to do about it. */
export function adviceFor(error: unknown, action: 'apply' | 'watch' | 'delete' | 'read', name: string, server: string | undefined): string {
  const status = statusOf(error);
  const detail = messageOf(error);
  const verbs = { apply: 'get, create and patch', watch: 'list and watch', delete: 'delete', read: 'get' }[action];
  switch (status) {
    case undefined:
      return `cannot reach the apiserver${server ? ` at ${server}` : ''} (${detail}); retrying`;
    case 401:
      return `the apiserver rejected our credentials (${detail}); check the service account token or kubeconfig`;
    case 403:
      return `forbidden (${detail}): the service account needs the RBAC verbs ${verbs} on ${RESOURCE} named "${name}" (see k8s/rbac.yaml); retrying`;
    case 409:
      return `conflict while updating "${name}" (${detail}); retrying`;
    case 422:
      return `the apiserver rejected the webhook configuration (${detail}); check the WEBHOOK_* settings`;
    case 429:
      return `the apiserver is throttling us (${detail}); retrying`;
    default:
      return status >= 500 ? `apiserver error (${detail}); retrying` : `unexpected answer (${detail})`;
  }
}
