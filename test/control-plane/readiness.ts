import http from 'node:http';
import https from 'node:https';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReadinessProbe {
  readonly url: string;
  /** PEM of the CA that signed the server's certificate, for https URLs. */
  readonly ca?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly timeoutMs: number;
  /** Reports why the server can no longer become ready (it exited), to stop waiting early. */
  readonly gaveUp: () => string | undefined;
}

/** Polls until `url` answers 200; on timeout the error carries the last answer, naming what still fails. */
export async function waitUntilReady(probe: ReadinessProbe): Promise<void> {
  const deadline = Date.now() + probe.timeoutMs;
  let last = 'no answer yet';
  for (;;) {
    const reason = probe.gaveUp();
    if (reason !== undefined) throw new Error(reason);
    const answer = await get(probe).catch((error: Error) => ({ status: 0, body: error.message }));
    if (answer.status === 200) return;
    last = answer.status ? `HTTP ${answer.status}: ${failingChecks(answer.body)}` : answer.body;
    if (Date.now() > deadline) throw new Error(`${probe.url} not ready after ${probe.timeoutMs} ms (last answer: ${last})`);
    await sleep(100);
  }
}

/** /readyz lists every check; the `[-]` lines are the ones still failing. */
function failingChecks(body: string): string {
  const lines = body.trim().split('\n');
  const failing = lines.filter((line) => line.startsWith('[-]'));
  return (failing.length > 0 ? failing : lines.slice(-8)).join('\n');
}

function get(probe: ReadinessProbe): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const client = probe.url.startsWith('https:') ? https : http;
    const request = client.get(probe.url, { ca: probe.ca, headers: probe.headers, timeout: 2000 }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('request timed out')));
    request.on('error', reject);
  });
}
