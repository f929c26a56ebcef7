import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { joinPemBundle, readPemBundle, type TlsState } from './tls-state.ts';

/** File names as in a kubernetes.io/tls Secret (plus the CA), so a mounted Secret is a valid TLS_DIR. */
export const TLS_FILES = { caCertificates: 'ca.crt', caKey: 'ca.key', certificate: 'tls.crt', key: 'tls.key' } as const;

/** Reads TLS_DIR. Missing files give undefined; unreadable ones are reported by the caller's validation. */
export async function readTlsDir(dir: string): Promise<TlsState | undefined> {
  const [ca, caKey, certificate, key] = await Promise.all(Object.values(TLS_FILES).map((name) => readOptional(join(dir, name))));
  if (certificate === undefined || key === undefined) return undefined;
  return { caCertificates: readPemBundle(ca), ...(caKey ? { caKey } : {}), certificate, key };
}

/** Writes each file to a temporary name and renames it, so a crash never leaves half a key behind. */
export async function writeTlsDir(dir: string, state: TlsState): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const files: [string, string, number][] = [
    [TLS_FILES.caCertificates, joinPemBundle(state.caCertificates), 0o644],
    [TLS_FILES.certificate, state.certificate, 0o644],
    [TLS_FILES.key, state.key, 0o600],
  ];
  if (state.caKey) files.push([TLS_FILES.caKey, state.caKey, 0o600]);
  await Promise.all(
    files.map(async ([name, content, mode]) => {
      const temporary = join(dir, `.${name}.${process.pid}.tmp`);
      await writeFile(temporary, content, { mode });
      await rename(temporary, join(dir, name));
    }),
  );
}

async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
