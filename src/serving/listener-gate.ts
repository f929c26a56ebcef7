import type { IncomingMessage, ServerResponse } from 'node:http';

export type Listener = 'webhook' | 'health';

/** The webhook path is served only over TLS; probes and metrics only on the plain health port. */
export function belongsTo(url: string | undefined, listener: Listener): boolean {
  const path = (url ?? '/').split('?', 1)[0]!;
  const isWebhookPath = path === '/inject' || path.startsWith('/inject/');
  return isWebhookPath === (listener === 'webhook');
}

export function gated(listener: Listener, handler: (request: IncomingMessage, response: ServerResponse) => void) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    if (belongsTo(request.url, listener)) return handler(request, response);
    const body = JSON.stringify({ statusCode: 404, error: 'Not Found', message: `${request.method ?? 'GET'} ${request.url ?? '/'} is not served on the ${listener} port` });
    response.writeHead(404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  };
}
