import { writeFile } from 'node:fs/promises';

export interface KubeconfigContent {
  readonly server: string;
  readonly caPem: string;
  readonly token: string;
}

export const contextName = 'test-control-plane';

/** Token auth keeps the file readable by both kubectl and client-node without client-cert files. */
export async function writeKubeconfig(file: string, content: KubeconfigContent): Promise<void> {
  const caData = Buffer.from(content.caPem).toString('base64');
  const yaml = `apiVersion: v1
kind: Config
clusters:
  - name: ${contextName}
    cluster:
      server: ${content.server}
      certificate-authority-data: ${caData}
users:
  - name: admin
    user:
      token: ${content.token}
contexts:
  - name: ${contextName}
    context:
      cluster: ${contextName}
      user: admin
      namespace: default
current-context: ${contextName}
`;
  await writeFile(file, yaml, { mode: 0o600 });
}
