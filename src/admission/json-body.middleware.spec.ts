import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { HttpException } from '@nestjs/common';
import { describe, expect, it, vi } from 'vitest';
import { MemoryBudget } from '../memory/memory-budget.ts';
import { JsonBodyMiddleware } from './json-body.middleware.ts';
import { reviewMemory } from './review-memory.ts';

const body = JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview' });

function request(): IncomingMessage & { body?: unknown } {
  return Object.assign(Readable.from([Buffer.from(body)]), { headers: { 'content-type': 'application/json', 'content-length': String(body.length) } }) as unknown as IncomingMessage;
}

function response(): ServerResponse & { headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  return Object.assign(new EventEmitter(), { headers, setHeader: (name: string, value: string) => (headers[name] = value) }) as unknown as ServerResponse & { headers: Record<string, string> };
}

describe(JsonBodyMiddleware.name, () => {
  it('holds the review’s memory from before its body is read until its answer is done', async () => {
    const budget = new MemoryBudget(10 * 1024 * 1024, 1_000);
    const [req, res, next] = [request(), response(), vi.fn<() => void>()];
    await new JsonBodyMiddleware(budget).use(req, res, next);
    expect(req.body).toEqual(JSON.parse(body));
    expect(next).toHaveBeenCalled();
    expect(budget.inUse).toBe(reviewMemory(body.length));
    res.emit('close');
    expect(budget.inUse).toBe(0);
  });

  it('answers 429 with a message and Retry-After when the budget stays full, without reading the body', async () => {
    const budget = new MemoryBudget(1, 10);
    const held = await budget.reserve(1);
    const [req, res, next] = [request(), response(), vi.fn<() => void>()];
    const error = await new JsonBodyMiddleware(budget).use(req, res, next).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpException);
    expect((error as HttpException).getStatus()).toBe(429);
    expect((error as HttpException).getResponse()).toMatchObject({ statusCode: 429, message: expect.stringMatching(/memory budget for reviews in flight/) });
    expect(res.headers['Retry-After']).toBe('1');
    expect(req.body).toBeUndefined();
    expect(next).not.toHaveBeenCalled();
    held();
    expect(budget.inUse).toBe(0);
  });
});
