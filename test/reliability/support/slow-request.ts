import { connect } from 'node:tls';

export interface SlowRequest {
  /** Sends the rest of the body; resolves to everything the server wrote before closing. */
  finish(): Promise<string>;
}

/**
 * A review whose headers and first half of body have arrived: the server holds it in flight
 * until the rest comes, which keeps a drain open long enough to look at it.
 */
export async function startSlowRequest(port: number, ca: string, body: string): Promise<SlowRequest> {
  const socket = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' });
  await new Promise<void>((resolve, reject) => socket.once('secureConnect', resolve).once('error', reject));
  let received = '';
  socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
  const closed = new Promise<string>((resolve) => socket.on('close', () => resolve(received)));
  const half = Math.floor(body.length / 2);
  socket.write(`POST /inject HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, half)}`);
  return {
    finish: () => {
      socket.write(body.slice(half));
      return closed;
    },
  };
}
