import { existsSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';

/** Which kubeconfig and context, from `--kubeconfig` and `--context`. */
export interface KubeTarget {
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

export interface KubeResponse<T> {
  readonly body: T;
  /** `Warning` headers (deprecated fields, unknown fields under fieldValidation=Warn). */
  readonly warnings: readonly string[];
}

const SERVICE_ACCOUNT_TOKEN = '/var/run/secrets/kubernetes.io/serviceaccount/token';

/** An apiserver answer other than 2xx: its status, reason and message as the apiserver wrote them. */
export class KubeApiError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string | undefined,
    readonly apiMessage: string,
    readonly causes: readonly { readonly field?: string; readonly message?: string; readonly reason?: string }[],
  ) {
    super(`${status}${reason ? ` ${reason}` : ''}: ${apiMessage}`);
    this.name = 'KubeApiError';
  }
}

/**
 * The user's cluster, through client-node's KubeConfig (credentials, exec plugins, CA,
 * proxies) and plain HTTP requests. The typed clients are not used: they serialise
 * through models that silently drop fields they do not know (which would hide the very
 * "unknown field" a dry run must report) and deserialise large pod lists slowly.
 */
export class KubeConnection {
  private constructor(
    readonly kubeConfig: KubeConfig,
    private readonly server: URL,
  ) {}

  /** Loads the kubeconfig the way kubectl does (KUBECONFIG, ~/.kube/config, in-cluster). */
  static async open(target: KubeTarget): Promise<KubeConnection> {
    const { KubeConfig } = await import('@kubernetes/client-node');
    const kubeConfig = new KubeConfig();
    try {
      if (target.kubeconfig) {
        if (!existsSync(target.kubeconfig)) throw new Error(`${target.kubeconfig} does not exist`);
        kubeConfig.loadFromFile(target.kubeconfig);
      } else {
        // client-node would otherwise fall back to http://localhost:8080, which only hides that there is no cluster.
        if (!hasDefaultKubeconfig()) throw new Error('no KUBECONFIG, no ~/.kube/config and not running in a cluster (use --kubeconfig)');
        kubeConfig.loadFromDefault();
      }
      if (target.context) {
        if (!kubeConfig.getContextObject(target.context)) throw new Error(`context "${target.context}" is not in the kubeconfig`);
        kubeConfig.setCurrentContext(target.context);
      }
    } catch (error) {
      throw new CliError([`cannot load the kubeconfig: ${(error as Error).message}`], ExitCode.cluster);
    }
    const cluster = kubeConfig.getCurrentCluster();
    if (!cluster) throw new CliError([`the kubeconfig has no current cluster (context "${kubeConfig.getCurrentContext()}")`], ExitCode.cluster);
    return new KubeConnection(kubeConfig, new URL(cluster.server));
  }

  /** The current context's namespace, as kubectl uses it when `-n` is not given. */
  get contextNamespace(): string | undefined {
    return this.kubeConfig.getContextObject(this.kubeConfig.getCurrentContext())?.namespace || undefined;
  }

  get serverUrl(): string {
    return this.server.href;
  }

  async get<T>(path: string, query: Readonly<Record<string, string | undefined>> = {}): Promise<KubeResponse<T>> {
    return this.request<T>('GET', path, query, undefined);
  }

  async post<T>(path: string, query: Readonly<Record<string, string | undefined>>, body: unknown): Promise<KubeResponse<T>> {
    return this.request<T>('POST', path, query, JSON.stringify(body));
  }

  private async request<T>(method: string, path: string, query: Readonly<Record<string, string | undefined>>, body: string | undefined): Promise<KubeResponse<T>> {
    const url = new URL(this.server.pathname.replace(/\/$/, '') + path, this.server);
    for (const [key, value] of Object.entries(query)) if (value !== undefined) url.searchParams.set(key, value);
    const options: https.RequestOptions = { method, headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) } };
    await this.kubeConfig.applyToHTTPSOptions(options);
    const transport = url.protocol === 'http:' ? http : https;
    const response = await new Promise<{ status: number; text: string; warnings: string[] }>((resolve, reject) => {
      const request = transport.request(url, options, (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8'), warnings: warningsOf(incoming.headersDistinct['warning']) }));
      });
      request.on('error', reject);
      request.end(body);
    }).catch((error: unknown) => {
      throw new CliError([`cannot reach the apiserver at ${this.server.origin}: ${(error as Error).message}`], ExitCode.cluster);
    });
    const parsed = safeParse(response.text);
    if (response.status < 200 || response.status > 299) {
      const status = parsed as { reason?: string; message?: string; details?: { causes?: KubeApiError['causes'] } } | undefined;
      throw new KubeApiError(response.status, status?.reason, status?.message ?? (response.text.slice(0, 200) || 'no message'), status?.details?.causes ?? []);
    }
    if (parsed === undefined) throw new CliError([`the apiserver answered ${method} ${path} with something that is not JSON`], ExitCode.cluster);
    return { body: parsed as T, warnings: response.warnings };
  }
}

function hasDefaultKubeconfig(): boolean {
  const listed = (process.env['KUBECONFIG'] ?? '').split(delimiter).filter((path) => path !== '');
  if (listed.length > 0) return true;
  return existsSync(join(homedir(), '.kube', 'config')) || (process.env['KUBERNETES_SERVICE_HOST'] !== undefined && existsSync(SERVICE_ACCOUNT_TOKEN));
}

/** `299 - "message"` headers, per RFC 7234 as the apiserver writes them. */
function warningsOf(headers: readonly string[] | undefined): string[] {
  return (headers ?? []).map((value) => /^\d{3} \S+ "(.*)"$/.exec(value)?.[1]?.replaceAll('\\"', '"') ?? value);
}

function safeParse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** A failed call in words for the user; a cluster problem (exit 4) unless the caller decides otherwise. */
export function clusterError(what: string, error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof KubeApiError) {
    const hint = error.status === 401 ? " (the kubeconfig's credentials were not accepted)" : error.status === 403 ? ' (ask for RBAC that allows it; README.md lists what each command needs)' : '';
    return new CliError([`${what}: ${error.message}${hint}`], ExitCode.cluster);
  }
  return new CliError([`${what}: ${(error as Error).message}`], ExitCode.cluster);
}
