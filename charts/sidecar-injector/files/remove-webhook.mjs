// Run by the pre-delete hook Job (templates/uninstall-hook.yaml), in the injector's own image,
// with no dependency: `helm uninstall` must leave no MutatingWebhookConfiguration that could
// refuse pods. The service re-creates its configuration when it is deleted, and its replicas
// are still running now, so first its right to do that is revoked (its ClusterRoleBinding,
// which Helm would delete next anyway), then the configuration is deleted until it stays gone.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';

const serviceAccount = '/var/run/secrets/kubernetes.io/serviceaccount';
const api = process.env.KUBE_API_URL ?? `https://${process.env.KUBERNETES_SERVICE_HOST}:${process.env.KUBERNETES_SERVICE_PORT}`;
const token = readFileSync(process.env.KUBE_TOKEN_FILE ?? `${serviceAccount}/token`, 'utf8').trim();
const ca = readFileSync(process.env.KUBE_CA_FILE ?? `${serviceAccount}/ca.crt`);
const [binding, webhook] = [process.env.INJECTOR_BINDING, process.env.WEBHOOK_NAME];

function call(method, path) {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, api), { method, ca, headers: { authorization: `Bearer ${token}`, accept: 'application/json' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('error', reject).end();
  });
}

async function remove(path, what) {
  const status = await call('DELETE', path);
  if (status !== 200 && status !== 202 && status !== 404) throw new Error(`cannot delete ${what}: HTTP ${status}`);
  return status;
}

await remove(`/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/${binding}`, `ClusterRoleBinding ${binding}`);
const configuration = `/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${webhook}`;
// A replica may re-create it until the revocation reaches the apiserver's authorizer: delete
// until it has stayed gone for a few seconds.
for (let attempt = 1, goneSince = 0; attempt <= 60; attempt++) {
  const status = await remove(configuration, `MutatingWebhookConfiguration ${webhook}`);
  goneSince = status === 404 ? goneSince + 1 : 0;
  if (goneSince >= 3) {
    console.log(`MutatingWebhookConfiguration ${webhook} removed`);
    process.exit(0);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
}
throw new Error(`MutatingWebhookConfiguration ${webhook} keeps coming back`);
