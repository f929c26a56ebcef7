import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, goModulesDir, repoRoot } from './paths.ts';
import { withLock } from './lock.ts';
import { startSupervised } from './supervised-process.ts';

export interface Binaries {
  readonly etcd: string;
  readonly kubeApiserver: string;
}

export interface BuildOptions {
  /** Where built binaries live; defaults to `<repo>/.cache/control-plane/bin`. */
  readonly binDir?: string;
  /** Receives progress lines; defaults to stderr. */
  readonly log?: (line: string) => void;
  /** Environment for `go` (e.g. a private GOCACHE to time a cold build). */
  readonly env?: NodeJS.ProcessEnv;
}

export const defaultBinDir = path.join(cacheDir, 'bin');

/** The binaries built from this folder's Go modules: the control plane, and the tools the chart and monitoring tests run. */
export type ToolName = 'etcd' | 'kube-apiserver' | 'helm' | 'promtool';

interface Component {
  readonly file: ToolName;
  readonly moduleDir: string;
  readonly pkg: string;
  readonly coldBuild: string;
  readonly ldflags: (goMod: string) => string;
  /** Build tags; part of the stamp, so changing them rebuilds. */
  readonly tags?: string;
}

const components: readonly Component[] = [
  {
    file: 'etcd',
    moduleDir: path.join(goModulesDir, 'etcd'),
    pkg: 'go.etcd.io/etcd/server/v3',
    coldBuild: 'about a minute',
    ldflags: () => '-s -w',
  },
  {
    file: 'kube-apiserver',
    moduleDir: path.join(goModulesDir, 'kube-apiserver'),
    pkg: 'k8s.io/kubernetes/cmd/kube-apiserver',
    coldBuild: 'about 5 minutes on 2 cores, plus ~1 GB of module downloads',
    ldflags: kubeApiserverLdflags,
  },
  {
    file: 'helm',
    moduleDir: path.join(goModulesDir, 'helm'),
    pkg: 'helm.sh/helm/v4/cmd/helm',
    coldBuild: 'about 2 minutes on 2 cores',
    ldflags: (goMod) => versionLdflags(goMod, 'helm.sh/helm/v4', (version) => [`-X helm.sh/helm/v4/internal/version.version=${version}`, '-X helm.sh/helm/v4/internal/version.gitTreeState=clean']),
  },
  {
    file: 'promtool',
    moduleDir: path.join(goModulesDir, 'promtool'),
    pkg: 'github.com/prometheus/prometheus/cmd/promtool',
    coldBuild: 'about 2 minutes on 2 cores',
    // Prometheus modules are tagged v0.<major><minor>.<patch> for release v<major>.<minor>.<patch>.
    ldflags: (goMod) =>
      versionLdflags(goMod, 'github.com/prometheus/prometheus', (version) => {
        const release = /^v0\.(\d)(\d\d)\.(\d+)$/.exec(version);
        return release ? [`-X github.com/prometheus/common/version.Version=${Number(release[1])}.${Number(release[2])}.${release[3]}`] : [];
      }),
    // Service discovery is for a Prometheus server; leaving its cloud SDKs out halves the build. Rules and PromQL are all there.
    tags: 'netgo,remove_all_sd',
  },
];

const CONTROL_PLANE: readonly ToolName[] = ['etcd', 'kube-apiserver'];

/**
 * The etcd and kube-apiserver to test against: `$KUBEBUILDER_ASSETS` when it holds both
 * (envtest's convention), else binaries built from this folder's Go modules, once.
 */
export async function resolveBinaries(options: BuildOptions = {}): Promise<Binaries> {
  const log = options.log ?? logToStderr;
  const assets = process.env['KUBEBUILDER_ASSETS'];
  if (assets) {
    const found = binariesIn(assets);
    if ((await isExecutable(found.etcd)) && (await isExecutable(found.kubeApiserver))) return found;
    log(`KUBEBUILDER_ASSETS=${assets} lacks etcd or kube-apiserver; using the Go-built binaries instead`);
  }
  return ensureBuilt(options);
}

/** Builds whichever control-plane binary is missing or was built from a different go.mod/go.sum. */
export async function ensureBuilt(options: BuildOptions = {}): Promise<Binaries> {
  const binDir = await ensureToolsBuilt(CONTROL_PLANE, options);
  return binariesIn(binDir);
}

/**
 * The path of a tool built from this folder's Go modules (`helm`, `promtool`), built on first
 * use and cached like the control plane: same folder, same stamps, same lock.
 */
export async function resolveTool(name: ToolName, options: BuildOptions = {}): Promise<string> {
  return path.join(await ensureToolsBuilt([name], options), name);
}

async function ensureToolsBuilt(names: readonly ToolName[], options: BuildOptions): Promise<string> {
  const binDir = options.binDir ?? defaultBinDir;
  const log = options.log ?? logToStderr;
  const wanted = components.filter((component) => names.includes(component.file));
  const stale = async () => {
    const result: Array<{ component: Component; stamp: string }> = [];
    for (const component of wanted) {
      const stamp = await stampOf(component);
      if (!(await isCurrent(binDir, component, stamp))) result.push({ component, stamp });
    }
    return result;
  };
  if ((await stale()).length > 0) {
    await mkdir(binDir, { recursive: true });
    const lockDir = path.join(binDir, '.build.lock');
    await withLock(
      lockDir,
      (holder) => log(`waiting for another build of the control-plane binaries (pid ${holder})`),
      async () => {
        await removeAbandonedOutputs(binDir);
        // Re-checked under the lock: whoever held it may have just built them.
        for (const { component, stamp } of await stale()) {
          await build(binDir, lockDir, component, stamp, log, options.env ?? process.env);
        }
      },
    );
  }
  return binDir;
}

/** Half-written binaries of builds that died; only the lock holder builds, so none is live. */
async function removeAbandonedOutputs(binDir: string): Promise<void> {
  for (const entry of await readdir(binDir)) {
    if (/\.tmp-\d+/.test(entry)) await rm(path.join(binDir, entry), { force: true });
  }
}

function binariesIn(dir: string): Binaries {
  return { etcd: path.join(dir, 'etcd'), kubeApiserver: path.join(dir, 'kube-apiserver') };
}

async function build(binDir: string, lockDir: string, component: Component, stamp: string, log: (line: string) => void, env: NodeJS.ProcessEnv) {
  const goMod = await readFile(path.join(component.moduleDir, 'go.mod'), 'utf8');
  const target = path.join(binDir, component.file);
  const temporary = `${target}.tmp-${process.pid}`;
  log(`building ${component.file} from ${path.relative(repoRoot, component.moduleDir)} (cold build: ${component.coldBuild}; later builds reuse Go's caches)`);
  const started = Date.now();
  const heartbeat = setInterval(() => log(`still building ${component.file} (${elapsed(started)})`), 30_000);
  try {
    await runGo(['build', '-trimpath', ...(component.tags ? ['-tags', component.tags] : []), '-ldflags', component.ldflags(goMod), '-o', temporary, component.pkg], component.moduleDir, { ...env, CGO_ENABLED: '0', GOWORK: 'off' }, lockDir);
    await writeFile(`${temporary}.version`, `${stamp}\n`);
    // Rename, never write in place: a reader sees the old binary or the new one, never half of one.
    await rename(temporary, target);
    await rename(`${temporary}.version`, `${target}.version`);
  } finally {
    clearInterval(heartbeat);
    await rm(temporary, { force: true });
    await rm(`${temporary}.version`, { force: true });
  }
  log(`built ${component.file} in ${elapsed(started)}`);
}

/**
 * Runs go under the same watchdog as the control plane, so an interrupted test run leaves no
 * build behind. Its log goes into the lock directory, which a later build removes.
 */
async function runGo(args: string[], cwd: string, env: NodeJS.ProcessEnv, workDir: string): Promise<void> {
  const go = await startSupervised({
    name: 'go',
    executable: 'go',
    args,
    logFile: path.join(workDir, 'go.log'),
    pidFile: path.join(workDir, 'go.pid'),
    cwd,
    env,
  });
  const code = await go.waitForExit();
  if (code === 127) throw new Error('cannot run go; install Go or point KUBEBUILDER_ASSETS at prebuilt binaries');
  if (code !== 0) throw new Error(`go ${args.join(' ')} failed in ${cwd} (exit ${code}):\n${go.logTail(60)}`);
}

/** Changes whenever the module's dependencies or our build recipe change, forcing a rebuild. */
async function stampOf(component: Component): Promise<string> {
  const goMod = await readFile(path.join(component.moduleDir, 'go.mod'), 'utf8');
  const goSum = await readFile(path.join(component.moduleDir, 'go.sum'), 'utf8');
  const hash = createHash('sha256').update(goMod).update('\0').update(goSum).update('\0').update(component.pkg).update('\0').update(component.ldflags(goMod));
  // Only when set: the control plane's stamps, and so everyone's cached binaries, stay as they were.
  if (component.tags) hash.update('\0').update(component.tags);
  return hash.digest('hex');
}

async function isCurrent(binDir: string, component: Component, stamp: string): Promise<boolean> {
  const target = path.join(binDir, component.file);
  if (!(await isExecutable(target))) return false;
  const recorded = await readFile(`${target}.version`, 'utf8').catch(() => '');
  return recorded.trim() === stamp;
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Makes `kube-apiserver --version` and `/version` report the release instead of v0.0.0-master. */
function kubeApiserverLdflags(goMod: string): string {
  const version = /^\s*k8s\.io\/kubernetes (v(\d+)\.(\d+)\.\d+\S*)/m.exec(goMod);
  if (!version) return '-s -w';
  const [, gitVersion, major, minor] = version;
  const pkg = 'k8s.io/component-base/version';
  return ['-s -w', `-X ${pkg}.gitVersion=${gitVersion}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`].join(' ');
}

/** `-s -w` plus version stamps for the version of `modulePath` that go.mod requires. */
function versionLdflags(goMod: string, modulePath: string, stamps: (version: string) => string[]): string {
  const version = new RegExp(`^\\s*(?:require\\s+)?${modulePath.replaceAll('.', '\\.')} (v\\S+)`, 'm').exec(goMod)?.[1];
  return ['-s -w', ...(version ? stamps(version) : [])].join(' ');
}

function elapsed(since: number): string {
  const seconds = Math.round((Date.now() - since) / 1000);
  return seconds < 60 ? `${seconds}s` : `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`;
}

function logToStderr(line: string): void {
  process.stderr.write(`[control-plane] ${line}\n`);
}
