import { Agent, request, type AgentOptions } from 'node:https';
import type { TLSSocket } from 'node:tls';

/** What came back for one review request: enough to judge it. */
export interface Answer {
  readonly status: number;
  readonly text: string;
}

/** How load reaches the webhook: the connection policy is what differs between tests. */
export interface Transport {
  post(body: string, timeoutMs: number): Promise<Answer>;
  close(): void;
}

/** Rejection of a request that got no answer within its deadline (the apiserver's webhook timeout). */
export class TimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'TimeoutError';
  }
}

const SERVERNAME = 'localhost';

/** Keep-alive connections trusting only `ca`, as the apiserver's webhook client holds them. */
export function keepAliveTransport(port: number, ca: string, maxSockets: number): Transport {
  const agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, ca, servername: SERVERNAME });
  return { post: (body, timeoutMs) => send(port, agent, body, timeoutMs), close: () => agent.destroy() };
}

/**
 * Follows a CA bundle that changes, as the apiserver does when the webhook's caBundle is
 * updated: a new bundle gets a new connection pool; connections of the old one stay in use
 * only for requests already on them.
 */
export function followingBundleTransport(port: number, bundle: () => string, maxSockets: number): Transport & { readonly pools: () => number } {
  const agents: Agent[] = [];
  let current: { ca: string; agent: Agent } | undefined;
  const agentFor = (): Agent => {
    const ca = bundle();
    if (current?.ca !== ca) {
      current = { ca, agent: new Agent({ keepAlive: true, maxSockets, ca, servername: SERVERNAME }) };
      agents.push(current.agent);
    }
    return current.agent;
  };
  return {
    post: (body, timeoutMs) => send(port, agentFor(), body, timeoutMs),
    close: () => agents.forEach((agent) => agent.destroy()),
    pools: () => agents.length,
  };
}

/**
 * A new TLS connection per request, verified against the bundle of the moment: every
 * request sees the serving certificate the server holds right then.
 */
export function newConnectionTransport(port: number, bundle: () => string, onCertificate: (fingerprint: string) => void): Transport {
  const options: AgentOptions = { keepAlive: false, servername: SERVERNAME };
  return {
    post: (body, timeoutMs) => {
      const agent = new Agent({ ...options, ca: bundle() });
      return send(port, agent, body, timeoutMs, (socket) => onCertificate(socket.getPeerCertificate().fingerprint256)).finally(() => agent.destroy());
    },
    close: () => undefined,
  };
}

function send(port: number, agent: Agent, body: string, timeoutMs: number, onSecure?: (socket: TLSSocket) => void): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port, agent, method: 'POST', path: '/inject', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
      });
      response.on('error', fail);
    });
    const timer = setTimeout(() => outgoing.destroy(new TimeoutError(timeoutMs)), timeoutMs);
    function fail(error: Error): void {
      clearTimeout(timer);
      reject(error);
    }
    if (onSecure) outgoing.once('socket', (socket) => (socket as TLSSocket).once('secureConnect', () => onSecure(socket as TLSSocket)));
    outgoing.on('error', fail);
    outgoing.end(body);
  });
}
