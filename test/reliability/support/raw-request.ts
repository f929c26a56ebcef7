import type { IncomingHttpHeaders } from 'node:http';
import { connect, type TLSSocket } from 'node:tls';
import type { Reply } from './fuzz-oracle.ts';

/**
 * Raw HTTP/1.1 over TLS on a connection of its own, for requests a normal client cannot
 * make or cannot finish: it keeps whatever the server answered even when the server closes
 * the connection while the body is still being written (as it must for an oversized body).
 */
function exchange(port: number, ca: string, send: (socket: TLSSocket) => void, waitMs: number): Promise<Reply | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
    const chunks: Buffer[] = [];
    const done = (): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(parseReply(Buffer.concat(chunks)));
    };
    const timer = setTimeout(done, waitMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', done);
    socket.on('close', done);
    socket.once('secureConnect', () => send(socket));
  });
}

/**
 * Announces `declared` bytes of JSON, sends `sent` of them, then closes its side: a client
 * that crashed or lost its connection mid-body. Resolves to what the server answered before
 * the connection went, if anything.
 */
export function sendCutOff(port: number, ca: string, declared: number, sent: Buffer, waitMs = 2_000): Promise<Reply | undefined> {
  return exchange(
    port,
    ca,
    (socket) => {
      socket.write(`POST /inject HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`);
      socket.end(sent);
    },
    waitMs,
  );
}

export interface WholeRequest {
  readonly body: Buffer;
  readonly chunked: boolean;
  readonly method?: string;
  readonly path?: string;
  readonly contentType?: string;
}

/** Sends a whole body, announced or chunked, however early the server answers and closes. */
export function sendWhole(port: number, ca: string, request: WholeRequest, waitMs = 10_000): Promise<Reply | undefined> {
  const { body, chunked, method = 'POST', path = '/inject', contentType = 'application/json' } = request;
  return exchange(
    port,
    ca,
    (socket) => {
      socket.write(`${method} ${path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${contentType}\r\nConnection: close\r\n${chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${body.length}`}\r\n\r\n`);
      if (!chunked) return void socket.end(body);
      for (let at = 0; at < body.length; at += 64 * 1024) {
        const piece = body.subarray(at, at + 64 * 1024);
        socket.write(`${piece.length.toString(16)}\r\n`);
        socket.write(piece);
        socket.write('\r\n');
      }
      socket.end('0\r\n\r\n');
    },
    waitMs,
  );
}

function parseReply(raw: Buffer): Reply | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return undefined;
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = /^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1];
  if (status === undefined) return undefined;
  const headers: IncomingHttpHeaders = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? raw.length - end - 4);
  return { status: Number(status), headers, text: raw.subarray(end + 4, end + 4 + length).toString('utf8') };
}
