import { CliError } from '../cli-error.ts';
import { ExitCode } from '../exit-codes.ts';
import type { CommandIo } from '../io/command-io.ts';
import { writeOutput } from '../io/write-output.ts';
import { clusterError, KubeApiError, KubeConnection } from '../kube/kube-connection.ts';
import { scanCluster } from '../report/cluster-scan.ts';
import { Progress } from '../report/progress.ts';
import { reportJson, reportTable } from '../report/report-output.ts';
import { groupStalePods, type StaleReport } from '../report/stale-report.ts';
import { templatesFromConfigMap } from '../report/templates-from-cluster.ts';
import { WebhookScope, type RegisteredWebhookConfiguration } from '../report/webhook-scope.ts';
import { cliInjectionPolicy } from '../templates/injection-policy.ts';
import { loadSidecarConfigFile } from '../templates/load-sidecar-config.ts';

/** Names k8s/ installs under; each has a flag for other installs. */
export const REPORT_DEFAULTS = {
  webhook: 'sidecar-injector.io',
  configMap: 'sidecar-injector/sidecar-injector-sidecars',
  configMapKey: 'sidecars.yaml',
  chunkSize: 500,
} as const;

export interface ReportCommandOptions {
  readonly namespace?: string | undefined;
  readonly allNamespaces?: boolean | undefined;
  readonly output: 'table' | 'json';
  readonly config?: string | undefined;
  readonly configmap: string;
  readonly configmapKey: string;
  readonly webhook: string;
  readonly injectorNamespace: string;
  readonly chunkSize: number;
  readonly kubeconfig?: string | undefined;
  readonly context?: string | undefined;
}

/**
 * `report`: the pods the registered webhook selects that lack their sidecars, carry an
 * outdated template or a removed sidecar, grouped by what restarts them. Exit 1 when
 * any is stale, so a scheduled job can alert on it.
 */
export async function reportCommand(options: ReportCommandOptions, io: CommandIo): Promise<ExitCode> {
  const connection = await KubeConnection.open(options);
  const scope = new WebhookScope(await readWebhookConfiguration(connection, options.webhook));
  if (scope.webhooks.length === 0) throw new CliError([`MutatingWebhookConfiguration ${options.webhook} has no webhook for pod creation`], ExitCode.cluster);
  for (const name of scope.unevaluatedConditions) io.stderr.write(`warning: webhook ${name} has matchConditions, which this report does not evaluate: it may list pods the webhook skips\n`);

  const { config, source } = options.config ? await loadSidecarConfigFile(options.config) : await templatesFromConfigMap(connection, options.configmap, options.configmapKey);
  const namespace = options.allNamespaces ? undefined : options.namespace || connection.contextNamespace || 'default';
  const scan = await scanCluster(connection, scope, config, cliInjectionPolicy(options.injectorNamespace), { namespace, chunkSize: options.chunkSize }, new Progress(io.stderr));
  for (const warning of scan.warnings) io.stderr.write(`warning: ${warning}\n`);

  const report: StaleReport = {
    webhook: options.webhook,
    templates: { source, hash: config.hash },
    checked: { namespaces: scan.namespaces, pods: scan.pods },
    stalePods: scan.stale.length,
    groups: groupStalePods(scan.stale),
  };
  await writeOutput(options.output === 'json' ? reportJson(report) : reportTable(report), undefined, io.stdout);
  return report.stalePods > 0 ? ExitCode.findings : ExitCode.ok;
}

async function readWebhookConfiguration(connection: KubeConnection, name: string): Promise<RegisteredWebhookConfiguration> {
  try {
    const { body } = await connection.get<RegisteredWebhookConfiguration>(`/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations/${encodeURIComponent(name)}`);
    return body;
  } catch (error) {
    if (error instanceof KubeApiError && error.status === 404) {
      throw new CliError([`no MutatingWebhookConfiguration named ${name}: is the injector registered in this cluster? (--webhook names another)`], ExitCode.cluster);
    }
    throw clusterError(`cannot read MutatingWebhookConfiguration ${name}`, error);
  }
}
