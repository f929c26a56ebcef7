// `sidecar-injector inject` on a generated 10,000-document manifest (Deployments, StatefulSets,
// CronJobs with comments, and Services passed through), as the real process: wall time from
// spawn to exit, median of several runs. Goal (issue 11): under 5 s.
// Usage: npm run build && node bench/cli-inject.ts [--quick]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const TEMPLATES = fileURLToPath(new URL('../config/sidecars.yaml', import.meta.url));
const DOCUMENTS = 10_000;
const runs = process.argv.includes('--quick') ? 1 : 3;

function document(index: number): { text: string; templates: number } {
  const name = `app-${index}`;
  switch (index % 10) {
    case 9:
      return { text: `apiVersion: v1\nkind: Service\nmetadata:\n  name: ${name}\nspec:\n  selector: {app: ${name}}\n  ports: [{port: 80, targetPort: 8080}]\n`, templates: 0 };
    case 8:
      return {
        text: `apiVersion: batch/v1\nkind: CronJob\nmetadata:\n  name: ${name}\nspec:\n  schedule: "0 3 * * *"\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers:\n          - name: job\n            image: registry.example.com/job:1\n            args: ["--run", "${index}"]\n`,
        templates: 1,
      };
    case 7:
      return {
        text: `apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: ${name}\nspec:\n  serviceName: ${name}\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n      annotations:\n        sidecar-injector.io/sidecars: log-agent, proxy\n    spec:\n      containers:\n      - name: db\n        image: postgres:17\n        volumeMounts:\n        - {name: data, mountPath: /var/lib/postgresql}\n`,
        templates: 1,
      };
    default:
      return {
        text: `# ${name}: the team's service\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: ${name}\n  labels: {team: shop}   # owner\nspec:\n  replicas: 3\n  selector:\n    matchLabels: {app: ${name}}\n  template:\n    metadata:\n      labels: {app: ${name}}\n    spec:\n      containers:\n      - name: web\n        image: registry.example.com/web:${index}\n        env:\n        - {name: MODE, value: production}\n        resources:\n          requests: {cpu: 100m, memory: 128Mi}\n      - name: worker\n        image: registry.example.com/worker:${index}\n`,
        templates: 1,
      };
  }
}

/** CPU seconds of this process's finished children (cutime + cstime in /proc/self/stat). */
function childrenCpuSeconds(): number {
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[13]) + Number(fields[14])) / 100;
}

function median(values: readonly number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

const dir = mkdtempSync(join(tmpdir(), 'bench-cli-inject-'));
try {
  const parts = Array.from({ length: DOCUMENTS }, (_, index) => document(index));
  const input = join(dir, 'manifest.yaml');
  writeFileSync(input, parts.map((part) => part.text).join('---\n'));
  const templates = parts.reduce((sum, part) => sum + part.templates, 0);
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let run = 0; run < runs; run++) {
    const cpuBefore = childrenCpuSeconds();
    const started = performance.now();
    const result = spawnSync(process.execPath, [CLI, 'inject', '-f', input, '--config', TEMPLATES, '-n', 'bench', '-q', '-o', join(dir, 'out.yaml')], { encoding: 'utf8' });
    times.push(performance.now() - started);
    cpuTimes.push(childrenCpuSeconds() - cpuBefore);
    if (result.status !== 0) throw new Error(`inject exited ${result.status}: ${result.stderr}`);
  }
  const seconds = median(times) / 1000;
  const cpuSeconds = median(cpuTimes);
  const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
  process.stdout.write(
    `- \`sidecar-injector inject\`: ${DOCUMENTS} documents (${templates} pod templates, ${mib(statSync(input).size)} MiB in, ${mib(statSync(join(dir, 'out.yaml')).size)} MiB out) in **${seconds.toFixed(2)} s** (median of ${runs}, process start to exit; ${cpuSeconds.toFixed(2)} s of CPU): ${Math.round(templates / seconds)} pod templates/s; goal < 5 s ${seconds < 5 ? 'met' : 'MISSED'}\n`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
