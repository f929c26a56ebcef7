import { createConnection } from 'node:net';
import { connect } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { MAX_BODY_BYTES } from '../src/admission/request-limits.ts';
import { loadGoldenCases, readGolden, toGolden } from './support/golden-cases.ts';
import { httpGet, httpPost, type HttpAnswer } from './support/https-client.ts';
import { sendRaw } from './support/raw-tls.ts';
import { useService } from './support/service.ts';

const goodReview = loadGoldenCases().find((testCase) => testCase.name === 'nginx-default')!.review;

const running = useService();

function withRequest(patch: Record<string, unknown>): unknown {
  return { ...goodReview, request: { ...goodReview.request, ...patch } };
}

async function expectStillServing(): Promise<void> {
  const answer = await running.client.post(goodReview);
  expect(answer.status).toBe(200);
  expect(answer.json<{ response: { uid: string; allowed: boolean } }>().response).toMatchObject({ uid: goodReview.request.uid, allowed: true });
}

describe('POST /inject over HTTPS', () => {
  for (const testCase of loadGoldenCases()) {
    it(`answers ${testCase.name} exactly as its golden file says`, async () => {
      const answer = await running.client.post(testCase.review);
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^application\/json/);
      const actual = toGolden(testCase.review, answer.json());
      expect(actual).toEqual(readGolden(testCase, actual));
    });
  }

  it('serves paths under /inject/ too', async () => {
    const answer = await running.client.post(goodReview, { path: '/inject/team-a' });
    expect(answer.json<{ response: { patchType: string } }>().response.patchType).toBe('JSONPatch');
  });

  it('logs each admission with uid, namespace, pod, decision and duration', async () => {
    await running.client.post(withRequest({ uid: 'log-check-uid' }));
    const entry = running.service.logs.find((line) => line['uid'] === 'log-check-uid');
    expect(entry).toMatchObject({ msg: 'admission review', namespace: 'sidecar-test', pod: 'nginx', decision: 'injected', sidecars: ['log-agent'] });
    expect(typeof entry!['durationMs']).toBe('number');
  });
});

describe('bad input', () => {
  const deep = '['.repeat(100_000) + ']'.repeat(100_000);
  const cases: [string, () => Promise<HttpAnswer>, number, RegExp][] = [
    ['malformed JSON', () => running.client.post('{"apiVersion": "admission.k8s.io/v1", '), 400, /not valid JSON/],
    ['an empty body', () => running.client.post(''), 400, /body is empty/],
    ['a text/plain body', () => running.client.post(goodReview, { headers: { 'content-type': 'text/plain' } }), 415, /expected Content-Type application\/json, got "text\/plain"/],
    ['no content type', () => running.client.post(JSON.stringify(goodReview), { headers: { 'content-type': '' } }), 415, /got none/],
    ['a JSON array', () => running.client.post('[]'), 400, /must be a JSON object/],
    ['a JSON string', () => running.client.post('"AdmissionReview"'), 400, /must be a JSON object/],
    ['a review without request', () => running.client.post({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' }), 400, /request: /],
    ['a request without uid', () => running.client.post(withRequest({ uid: undefined })), 400, /request\.uid: /],
    ['an empty uid', () => running.client.post(withRequest({ uid: '' })), 400, /request\.uid: uid should not be empty/],
    ['an absurdly long uid', () => running.client.post(withRequest({ uid: 'u'.repeat(300) })), 400, /request\.uid: uid must be shorter than or equal to 256 characters/],
    ['an unknown apiVersion', () => running.client.post({ ...goodReview, apiVersion: 'admission.k8s.io/v2' }), 400, /apiVersion: apiVersion must be one of the following values/],
    ['the wrong kind', () => running.client.post({ ...goodReview, kind: 'Pod' }), 400, /kind: kind must be equal to AdmissionReview/],
    ['a request without kind', () => running.client.post(withRequest({ kind: undefined })), 400, /request\.kind: /],
    ['an unknown operation', () => running.client.post(withRequest({ operation: 'PATCH' })), 400, /request\.operation: /],
    ['a non-boolean dryRun', () => running.client.post(withRequest({ dryRun: 'yes' })), 400, /request\.dryRun: dryRun must be a boolean value/],
    ['absurd nesting', () => running.client.post(deep), 400, /nests deeper than|not valid JSON/],
    ['deep nesting inside the pod', () => running.client.post(withRequest({ object: JSON.parse('{"a":'.repeat(500) + '1' + '}'.repeat(500)) })), 400, /nests deeper than 100 levels/],
  ];

  for (const [name, send, status, message] of cases) {
    it(`answers ${name} with ${status} and a message, then keeps serving`, async () => {
      const answer = await send();
      expect(answer.status).toBe(status);
      expect(answer.json<{ message: string }>().message).toMatch(message);
      await expectStillServing();
    });
  }

  it('refuses, with a reason, a pod of the wrong shape (the review itself is valid)', async () => {
    const answer = await running.client.post(withRequest({ object: { spec: { containers: 'nginx' } } }));
    expect(answer.status).toBe(200);
    expect(answer.json<{ response: unknown }>().response).toEqual({
      uid: goodReview.request.uid,
      allowed: false,
      status: { code: 400, reason: 'BadRequest', message: 'sidecar-injector: the pod cannot be injected: spec.containers must be a non-empty list' },
    });
  });

  it('answers 413 to a body over the limit it announces, before reading it', async () => {
    const answer = await running.client.post(Buffer.alloc(MAX_BODY_BYTES + 1, 0x20), { headers: { 'content-length': MAX_BODY_BYTES + 1 } });
    expect(answer.status).toBe(413);
    expect(answer.json<{ message: string }>().message).toBe(`the request body exceeds the limit of ${MAX_BODY_BYTES} bytes`);
    await expectStillServing();
  });

  it('answers 413 to a chunked body that grows over the limit', async () => {
    const huge = JSON.stringify(withRequest({ object: { metadata: { annotations: { big: 'x'.repeat(MAX_BODY_BYTES) } } } }));
    const answer = await running.client.post(huge, { headers: { 'transfer-encoding': 'chunked' } });
    expect(answer.status).toBe(413);
    await expectStillServing();
  });

  const brokenRequests: [string, string, number, RegExp][] = [
    [
      'a body cut off before its Content-Length',
      'POST /inject HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"apiVersion":"admission.k8s.io/v1",',
      400,
      /body is shorter than its Content-Length/,
    ],
    ['a chunked body cut off before its last chunk', 'POST /inject HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n10\r\n{"apiVersion":"a', 400, /a chunk is missing/],
    ['a request line that is not HTTP', 'INJECT PLEASE\r\n\r\n', 400, /malformed HTTP request: /],
    ['headers over the limit', `POST /inject HTTP/1.1\r\nHost: localhost\r\nX-Padding: ${'x'.repeat(20_000)}\r\n\r\n`, 431, /headers are larger than the server accepts/],
  ];

  for (const [name, request, status, message] of brokenRequests) {
    it(`answers ${name} with ${status} and a JSON message, then keeps serving`, async () => {
      const answer = await sendRaw(running.service.port, running.service.ca, request);
      expect(answer?.status).toBe(status);
      expect(answer?.headers['content-type']).toMatch(/^application\/json/);
      expect((JSON.parse(answer!.body) as { message: string }).message).toMatch(message);
      await expectStillServing();
    });
  }

  it('answers a body cut off after its 413 was sent once, with the 413 alone', async () => {
    const answer = await sendRaw(running.service.port, running.service.ca, `POST /inject HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${MAX_BODY_BYTES + 1}\r\n\r\n{"apiVersion":`);
    expect(answer?.status).toBe(413);
    expect(answer?.body).not.toContain('HTTP/1.1');
    await expectStillServing();
  });

  it('accepts a large but legal pod (3 MiB of annotations)', async () => {
    const annotations = Object.fromEntries(Array.from({ length: 3 }, (_, index) => [`example.com/blob-${index}`, 'x'.repeat(1024 * 1024 - 64)]));
    const review = withRequest({ object: { metadata: { name: 'big', annotations }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } });
    const answer = await running.client.post(review);
    expect(answer.status).toBe(200);
    expect(answer.json<{ response: { patchType: string } }>().response.patchType).toBe('JSONPatch');
  });
});

describe('listeners', () => {
  it('does not serve the webhook on the plain health port', async () => {
    const answer = await httpPost(running.service.healthPort, '/inject', JSON.stringify(goodReview));
    expect(answer.status).toBe(404);
  });

  it('does not serve probes on the TLS port', async () => {
    const answer = await running.client.post('', { method: 'GET', path: '/healthz' });
    expect(answer.status).toBe(404);
  });

  it('answers a broken request on the health port with 400 and a JSON message too', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = createConnection({ host: '127.0.0.1', port: running.service.healthPort }, () => socket.end('PROBE ME\r\n\r\n'));
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toMatchObject({ statusCode: 400, message: expect.stringMatching(/^malformed HTTP request: /) });
  });

  it('answers GET /inject with 404 rather than a review', async () => {
    const answer = await running.client.post('', { method: 'GET' });
    expect(answer.status).toBe(404);
  });

  it('reports healthy and ready once serving', async () => {
    expect((await httpGet(running.service.healthPort, '/healthz')).status).toBe(200);
    const ready = await httpGet(running.service.healthPort, '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({ status: 'ok', info: { certificate: { status: 'up' }, sidecarConfig: { status: 'up' }, webhookServer: { status: 'up' } } });
  });
});

describe('TLS', () => {
  function handshake(options: { minVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2'; maxVersion?: 'TLSv1' | 'TLSv1.1' | 'TLSv1.2' | 'TLSv1.3'; ciphers?: string }): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: running.service.port, ca: running.service.ca, servername: 'localhost', ...options }, () => {
        const protocol = socket.getProtocol() ?? 'none';
        socket.end();
        resolve(protocol);
      });
      socket.on('error', reject);
    });
  }

  it('negotiates TLS 1.3 and TLS 1.2 with a certificate that chains to the published CA', async () => {
    expect(await handshake({})).toBe('TLSv1.3');
    expect(await handshake({ maxVersion: 'TLSv1.2' })).toBe('TLSv1.2');
  });

  it.each(['TLSv1', 'TLSv1.1'] as const)('refuses %s even to a client that allows weak security', async (version) => {
    // Without SECLEVEL=0 the client itself would refuse to offer TLS 1.0/1.1, proving nothing.
    await expect(handshake({ minVersion: version, maxVersion: version, ciphers: 'DEFAULT@SECLEVEL=0' })).rejects.toThrow(/protocol version|unsupported protocol|wrong version/i);
  });
});
