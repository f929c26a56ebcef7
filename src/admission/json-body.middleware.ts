import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException, HttpStatus, Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import { BudgetExceededError, type MemoryBudget, type Release } from '../memory/memory-budget.ts';
import { readJsonBody } from './json-body.ts';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from './request-limits.ts';
import { REVIEW_BUDGET } from './review-budget.provider.ts';
import { reviewMemory } from './review-memory.ts';

/**
 * The app's only body parser: bounded in size and nesting, JSON only, and read only once
 * the review fits in the memory budget, which it holds until its answer is sent.
 */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  constructor(@Inject(REVIEW_BUDGET) private readonly budget: MemoryBudget) {}

  async use(request: IncomingMessage & { body?: unknown }, response: ServerResponse, next: () => void): Promise<void> {
    // Node's parser has already refused a Content-Length that is not a number.
    const declared = request.headers['content-length'] === undefined ? undefined : Number(request.headers['content-length']);
    // Over the limit: refused unread by readJsonBody, with no memory to set aside.
    if (declared === undefined || declared <= MAX_BODY_BYTES) {
      const memory = reviewMemory(declared);
      // Nearly always there is room: no promise to wait on then.
      const release = this.budget.tryReserve(memory) ?? (await this.waitForRoom(memory, response));
      response.once('close', release);
    }
    try {
      request.body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, maxDepth: MAX_JSON_DEPTH });
    } catch (error) {
      // An unread remainder of an oversized body must not be read on to reuse the connection.
      if (error instanceof HttpException && error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE) response.setHeader('Connection', 'close');
      throw error;
    }
    next();
  }

  private async waitForRoom(memory: number, response: ServerResponse): Promise<Release> {
    try {
      return await this.budget.reserve(memory);
    } catch (error) {
      if (!(error instanceof BudgetExceededError)) throw error;
      // Node reads the unread body (at most MAX_BODY_BYTES) and drops it once the answer
      // is sent, holding none of it, so the client gets the 429 rather than a reset.
      response.setHeader('Retry-After', '1');
      throw new HttpException(
        { statusCode: HttpStatus.TOO_MANY_REQUESTS, error: 'Too Many Requests', message: `the injector is at its memory budget for reviews in flight (${error.capacity} bytes); retry shortly` },
        HttpStatus.TOO_MANY_REQUESTS,
      );
    }
  }
}
