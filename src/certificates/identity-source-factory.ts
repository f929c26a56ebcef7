import type { AppConfig } from '../config/app-config.ts';
import type { KubernetesAccess } from '../kubernetes/kube-clients.ts';
import { FilesSource, type HostnameRules } from './files-source.ts';
import { requiredHostnames, servingHostnames } from './hostnames.ts';
import type { IdentitySource } from './identity-source.ts';
import { SecretTlsStore } from './secret-tls-store.ts';
import type { SelfSignedSettings } from './self-signed-plan.ts';
import { SelfSignedSource } from './self-signed-source.ts';
import { SharedIdentitySource } from './shared-identity-source.ts';
import { DirectoryTlsStore } from './tls-store.ts';

/**
 * Long enough for an apiserver that is merely slow; an unreachable one refuses at once,
 * and a start that waits longer than this is a webhook that is down for longer.
 */
const SHARED_STARTUP_WAIT_MS = 3_000;

export interface SourceChoice {
  readonly source: IdentitySource;
  /** Why the configured Secret is not used, when it is not. */
  readonly notice?: string;
}

/** TLS_MODE and TLS_SECRET_NAME, and whether there is a cluster, decide where the identity comes from. */
export function chooseIdentitySource(config: AppConfig, kubernetes: KubernetesAccess): SourceChoice {
  const tls = config.tls;
  if (tls.mode === 'files') return { source: new FilesSource(tls.dir, filesHostnameRules(config, kubernetes)) };
  const settings: SelfSignedSettings = {
    hostnames: servingHostnames(config),
    certValidityMs: tls.certValidityMs,
    caValidityMs: tls.caValidityMs,
    renewBeforeMs: tls.renewBeforeMs,
  };
  const local = (): IdentitySource => new SelfSignedSource(new DirectoryTlsStore(tls.dir), settings);
  if (!tls.secretName) return { source: local() };
  if (!kubernetes.clients) {
    return { source: local(), notice: `TLS_SECRET_NAME=${tls.secretName} is set but ${kubernetes.reason}; each replica keeps its own CA in ${tls.dir}` };
  }
  const secret = new SecretTlsStore(kubernetes.clients, config.podNamespace, tls.secretName);
  return {
    source: new SharedIdentitySource({ shared: new SelfSignedSource(secret, settings), cache: new DirectoryTlsStore(tls.dir), standIn: local, startupWaitMs: SHARED_STARTUP_WAIT_MS }),
  };
}

/**
 * A provided certificate must cover the name this service registers for the apiserver to
 * dial. When it registers nothing, whoever does (a Helm chart, a person, another Service
 * name or a URL) decides that name: the service's own is only expected, and a gap is logged.
 */
function filesHostnameRules(config: AppConfig, kubernetes: KubernetesAccess): HostnameRules {
  const { registration } = config.webhook;
  if (registration === 'enabled' || (registration === 'auto' && kubernetes.clients)) return { required: requiredHostnames(config) };
  const why = kubernetes.clients || registration === 'disabled' ? 'WEBHOOK_REGISTRATION=disabled' : `WEBHOOK_REGISTRATION=auto registers nothing (${kubernetes.reason})`;
  return { required: [], expected: { hostnames: requiredHostnames(config), why: `${why}: whoever registers the webhook decides which name the apiserver dials` } };
}
