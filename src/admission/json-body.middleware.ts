import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpException, HttpStatus, Injectable, type NestMiddleware } from '@nestjs/common';
import { readJsonBody } from './json-body.ts';
import { MAX_BODY_BYTES, MAX_JSON_DEPTH } from './request-limits.ts';

/** The app's only body parser: bounded in size and nesting, JSON only. */
@Injectable()
export class JsonBodyMiddleware implements NestMiddleware {
  async use(request: IncomingMessage & { body?: unknown }, response: ServerResponse, next: () => void): Promise<void> {
    try {
      request.body = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES, maxDepth: MAX_JSON_DEPTH });
    } catch (error) {
      // An unread remainder of an oversized body must not be read on to reuse the connection.
      if (error instanceof HttpException && error.getStatus() === HttpStatus.PAYLOAD_TOO_LARGE) response.setHeader('Connection', 'close');
      throw error;
    }
    next();
  }
}
