import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';

/** Node's `clientError` carries llhttp's code (`HPE_*`) and reason. */
type ClientError = Error & { code?: string; reason?: string };

/**
 * Node answers a request its HTTP parser cannot finish (a body cut off before its
 * Content-Length, a malformed request line, oversized headers) with a bare status line and
 * no body, before any handler runs. These answers say what was wrong in the same JSON
 * shape as every other refusal, with the status Node would have chosen.
 */
export function answerClientErrorsAsJson(server: HttpServer | HttpsServer, responsesInFlight: () => Iterable<ServerResponse> = trackResponses(server)): void {
  server.on('clientError', (error: ClientError, socket: Duplex) => {
    // Once a response has written its head, another answer on its connection would corrupt it.
    const answered = [...responsesInFlight()].some((response) => response.socket === socket && response.headersSent);
    if (error.code === 'ECONNRESET' || !socket.writable || answered) {
      socket.destroy();
      return;
    }
    const [status, reason, message] = describe(error);
    const body = JSON.stringify({ statusCode: status, error: reason, message });
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`, () => socket.destroy());
  });
}

/**
 * For a server whose responses nobody tracks yet. Each is held only until it closes, never
 * longer: a response keeps its request, and so its parsed body, alive.
 */
function trackResponses(server: HttpServer | HttpsServer): () => Iterable<ServerResponse> {
  const responses = new Set<ServerResponse>();
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    responses.add(response);
    response.once('close', () => responses.delete(response));
  });
  return () => responses;
}

function describe(error: ClientError): [status: number, reason: string, message: string] {
  switch (error.code) {
    case 'HPE_INVALID_EOF_STATE':
      return [400, 'Bad Request', 'the connection ended before the request was complete: the body is shorter than its Content-Length, or a chunk is missing'];
    case 'HPE_HEADER_OVERFLOW':
      return [431, 'Request Header Fields Too Large', 'the request headers are larger than the server accepts'];
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return [413, 'Payload Too Large', 'the chunk extensions of the request body are larger than the server accepts'];
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return [408, 'Request Timeout', 'the request was not received in time'];
    default:
      return [400, 'Bad Request', `malformed HTTP request: ${error.reason ?? error.message}`];
  }
}
