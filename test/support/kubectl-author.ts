import { spawn } from 'node:child_process';

export interface KubectlRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * kubectl as a pod's author runs it: the exit code, stdout, and stderr, where kubectl
 * prints the warnings the apiserver relays from admission webhooks (`Warning: ...`).
 */
export function kubectlAsAuthor(kubeconfigPath: string, args: readonly string[], input: string): Promise<KubectlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.env['KUBECTL'] ?? 'kubectl', ['--kubeconfig', kubeconfigPath, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

/** The warnings kubectl printed, without its `Warning: ` prefix. */
export function kubectlWarnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((line) => line.startsWith('Warning: '))
    .map((line) => line.slice('Warning: '.length));
}
