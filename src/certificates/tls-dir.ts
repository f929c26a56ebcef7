import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
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

/**
 * Makes sure a directory that holds this service's private keys is its own: created 0700
 * when missing; refused when it exists writable by its group or others, who could plant a
 * key or a CA of their own for the service to serve and sign with. (An emptyDir volume is
 * 0777: TLS_DIR belongs in a subdirectory of one, which this creates.)
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  if (!(await checkPrivateDir(dir))) await mkdir(dir, { recursive: true, mode: 0o700 });
}

/** Whether the directory exists; throws when it is not one this service alone can write. */
export async function checkPrivateDir(dir: string): Promise<boolean> {
  let mode: number;
  try {
    const info = await stat(dir);
    if (!info.isDirectory()) throw new Error(`${dir} is not a directory`);
    mode = info.mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const who = [mode & 0o020 ? 'its group' : '', mode & 0o002 ? 'others' : ''].filter(Boolean).join(' and ');
  if (who) {
    throw new Error(`${dir} is writable by ${who} (mode ${mode.toString(8)}), and it would hold private keys: make it 0700, or point TLS_DIR at a directory that does not exist yet (it is created 0700)`);
  }
  return true;
}

/** Writes each file to a temporary name and renames it, so a crash never leaves half a key behind. */
export async function writeTlsDir(dir: string, state: TlsState): Promise<void> {
  await ensurePrivateDir(dir);
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
