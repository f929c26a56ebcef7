import { request } from 'node:https';

/** One POST over HTTPS trusting only `ca`: to fetch the answer the ceiling server will replay. */
export function httpsPost(port: number, ca: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/inject', method: 'POST', ca, servername: 'localhost', headers: { 'content-type': 'application/json' } }, (response) => {
      let text = '';
      response.on('data', (chunk: Buffer) => (text += chunk.toString()));
      response.on('end', () => (response.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${response.statusCode}: ${text}`))));
    });
    req.on('error', reject);
    req.end(body);
  });
}
