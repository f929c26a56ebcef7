// The ceiling: a bare Node https server on the webhook's certificate and TLS options that
// reads the request body and writes a canned AdmissionReview answer. Nothing can be faster
// on this runtime, so the injector is measured as a fraction of it.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { tlsOptions } from '../src/serving/tls-options.ts';

const [tlsDir, port, answerFile] = process.argv.slice(2);
if (!tlsDir || !port || !answerFile) throw new Error('usage: ceiling-server.ts <tls-dir> <port> <answer.json>');
const answer = readFileSync(answerFile);
const server = createServer({ ...tlsOptions(readFileSync(join(tlsDir, 'tls.crt'), 'utf8'), readFileSync(join(tlsDir, 'tls.key'), 'utf8')), keepAliveTimeout: 120_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    response.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': answer.length }).end(answer);
  });
});
server.listen(Number(port), () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
