import type { AppConfig } from '../config/app-config.ts';

/** The names the apiserver may use to reach the webhook Service. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`];
}

/** SANs of a certificate this service makes: the Service's names, the URL's host, and TLS_HOSTNAMES. */
export function servingHostnames(config: AppConfig): string[] {
  const { serviceName, serviceNamespace, url } = config.webhook;
  return unique([...serviceDnsNames(serviceName, serviceNamespace), ...urlHost(url), ...config.tls.hostnames]);
}

/** What a provided certificate must cover: the name the apiserver will actually dial. */
export function requiredHostnames(config: AppConfig): string[] {
  const { serviceName, serviceNamespace, url } = config.webhook;
  return url ? urlHost(url) : [`${serviceName}.${serviceNamespace}.svc`];
}

function urlHost(url: string | undefined): string[] {
  if (!url) return [];
  return [new URL(url).hostname.replace(/^\[|\]$/g, '')];
}

function unique(names: readonly string[]): string[] {
  return [...new Set(names)];
}
