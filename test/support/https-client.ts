import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent, request as httpsRequest, type AgentOptions } from 'node:https';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly text: string;
  json<T = unknown>(): T;
}

export interface PostOptions {
  readonly headers?: Record<string, string | number>;
  readonly path?: string;
  readonly method?: string;
}

export type WebhookClient = ReturnType<typeof webhookClient>;

/** A keep-alive HTTPS client that trusts only the given CA, as the apiserver does. */
export function webhookClient(port: number, ca: string, agentOptions: AgentOptions = {}) {
  const agent = new Agent({ keepAlive: true, ca, servername: 'localhost', ...agentOptions });
  return {
    agent,
    post(body: unknown, options: PostOptions = {}): Promise<HttpAnswer> {
      const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
      return send((callback) => httpsRequest({ host: '127.0.0.1', port, agent, method: options.method ?? 'POST', path: options.path ?? '/inject', headers: { 'content-type': 'application/json', ...options.headers } }, callback), payload);
    },
    close(): void {
      agent.destroy();
    },
  };
}

export function httpGet(port: number, path: string): Promise<HttpAnswer> {
  return send((callback) => httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, callback), undefined);
}

export function httpPost(port: number, path: string, body: string): Promise<HttpAnswer> {
  return send((callback) => httpRequest({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json' } }, callback), body);
}

type Open = (callback: (response: import('node:http').IncomingMessage) => void) => import('node:http').ClientRequest;

function send(open: Open, body: string | Buffer | undefined): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const request = open((response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: <T>() => JSON.parse(text) as T });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
    request.end(body);
  });
}
