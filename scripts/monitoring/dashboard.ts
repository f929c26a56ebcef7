// node scripts/monitoring/dashboard.ts [--write]: prints the Grafana dashboard built from panels.ts,
// or writes it where the chart and k8s/monitoring ship it.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { PANELS, type Panel } from './panels.ts';

export const DASHBOARD_FILES = ['../../charts/sidecar-injector/files/dashboard.json', '../../k8s/monitoring/dashboard.json'].map((file) => fileURLToPath(new URL(file, import.meta.url)));

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

function panelJson(panel: Panel, index: number) {
  const width = panel.width ?? 12;
  return {
    id: index + 1,
    type: 'timeseries',
    title: panel.title,
    description: panel.description,
    datasource: DATASOURCE,
    gridPos: { h: 8, w: width, x: (index % (24 / width)) * width, y: Math.floor(index / (24 / width)) * 8 },
    fieldConfig: { defaults: { unit: panel.unit }, overrides: [] },
    options: { legend: { displayMode: 'list', placement: 'bottom' }, tooltip: { mode: 'multi' } },
    targets: panel.queries.map((query, queryIndex) => ({ refId: String.fromCharCode(65 + queryIndex), datasource: DATASOURCE, expr: query.expr, legendFormat: query.legend })),
  };
}

const variable = (name: string, label: string, query: string, multi: boolean) => ({
  name,
  label,
  type: 'query',
  datasource: DATASOURCE,
  query: { query, refId: name },
  definition: query,
  refresh: 2,
  includeAll: multi,
  multi,
  ...(multi ? { allValue: '.*', current: { text: 'All', value: '$__all' } } : {}),
});

export function dashboard(): object {
  return {
    uid: 'sidecar-injector',
    title: 'sidecar-injector',
    description: 'The sidecar-injector admission webhook: reviews, latency, refusals, templates, certificates, registration, runtime.',
    tags: ['sidecar-injector', 'admission-webhook'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus' },
        variable('namespace', 'Namespace', 'label_values(sidecar_injector_config_generation, namespace)', false),
        variable('pod', 'Pod', 'label_values(sidecar_injector_config_generation{namespace="$namespace"}, pod)', true),
      ],
    },
    panels: PANELS.map(panelJson),
  };
}

export function dashboardText(): string {
  return `${JSON.stringify(dashboard(), null, 2)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--write')) for (const file of DASHBOARD_FILES) writeFileSync(file, dashboardText());
  else process.stdout.write(dashboardText());
}
