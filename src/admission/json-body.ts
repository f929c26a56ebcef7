import type { IncomingMessage } from 'node:http';
import { BadRequestException, HttpException, PayloadTooLargeException, UnsupportedMediaTypeException } from '@nestjs/common';

export interface BodyLimits {
  readonly maxBytes: number;
  readonly maxDepth: number;
}

/**
 * Reads and parses a JSON request body within the limits, rejecting with a precise 4xx.
 * A body that announces or reaches more than maxBytes is refused before it is buffered
 * whole, so an oversized request costs at most maxBytes of memory.
 */
export async function readJsonBody(request: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  const type = request.headers['content-type'];
  if (!type || !/^application\/json\s*(;|$)/i.test(type)) {
    throw new UnsupportedMediaTypeException(`expected Content-Type application/json, got ${type ? JSON.stringify(type) : 'none'}`);
  }
  const declared = Number(request.headers['content-length']);
  if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);

  const text = await readText(request, limits.maxBytes);
  if (text.trim() === '') throw new BadRequestException('the request body is empty; expected an AdmissionReview');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw new BadRequestException(`the request body is not valid JSON: ${(error as Error).message}`);
  }
  if (exceedsDepth(body, limits.maxDepth)) throw new BadRequestException(`the request body nests deeper than ${limits.maxDepth} levels`);
  return body;
}

function readText(request: IncomingMessage, maxBytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const fail = (error: HttpException): void => {
      cleanup();
      request.pause();
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) fail(tooLarge(maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, size).toString('utf8'));
    };
    const onAborted = (): void => fail(new BadRequestException('the client closed the connection before sending the whole body'));
    const onError = (): void => onAborted();
    const cleanup = (): void => {
      request.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onAborted);
    };
    request.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onAborted);
  });
}

function tooLarge(maxBytes: number): HttpException {
  return new PayloadTooLargeException(`the request body exceeds the limit of ${maxBytes} bytes`);
}

/**
 * Recursion stops one level past the limit, so the check uses at most maxDepth frames
 * however deep the input (JSON.parse itself does not recurse on the stack).
 */
function exceedsDepth(value: unknown, maxDepth: number, depth = 1): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (depth > maxDepth) return true;
  if (Array.isArray(value)) {
    for (const item of value) if (exceedsDepth(item, maxDepth, depth + 1)) return true;
    return false;
  }
  for (const key in value) if (exceedsDepth((value as Record<string, unknown>)[key], maxDepth, depth + 1)) return true;
  return false;
}
