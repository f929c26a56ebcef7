import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { resolveTool } from '../control-plane/binaries.ts';

/** Runs the promtool built from test/control-plane/go/promtool; resolves to its output whether it passed or not. */
export async function promtool(args: readonly string[]): Promise<{ code: number; output: string }> {
  const binary = await resolveTool('promtool');
  try {
    const { stdout, stderr } = await promisify(execFile)(binary, [...args], { maxBuffer: 64 << 20 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string; message: string };
    return { code: typeof failure.code === 'number' ? failure.code : 1, output: `${failure.stdout ?? ''}${failure.stderr ?? failure.message}` };
  }
}
