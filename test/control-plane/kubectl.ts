import { spawn } from 'node:child_process';

export interface KubectlOptions {
  /** Written to kubectl's stdin, e.g. a manifest for `apply -f -`. */
  readonly input?: string;
}

export class KubectlError extends Error {
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;

  constructor(args: readonly string[], exitCode: number | null, stdout: string, stderr: string) {
    super(`kubectl ${args.join(' ')} failed (exit ${exitCode}): ${stderr.trim() || stdout.trim()}`);
    this.name = 'KubectlError';
    this.exitCode = exitCode;
    this.stdout = stdout;
    this.stderr = stderr;
  }
}

/**
 * Runs kubectl (`$KUBECTL` or the one on PATH) against `kubeconfigPath` and resolves to its
 * stdout; rejects with a KubectlError, carrying stderr, when it exits non-zero, so a test can
 * assert on a refusal with `rejects.toThrow(/denied/)`.
 */
export function runKubectl(kubeconfigPath: string, args: readonly string[], options: KubectlOptions = {}): Promise<string> {
  const fullArgs = ['--kubeconfig', kubeconfigPath, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(process.env['KUBECTL'] ?? 'kubectl', fullArgs, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === 0) resolve(stdout);
      else reject(new KubectlError(args, code, stdout, stderr));
    });
    child.stdin.on('error', () => {});
    child.stdin.end(options.input ?? '');
  });
}
