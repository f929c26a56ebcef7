import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { clip } from './clip.ts';

/** A stack trace is a few kilobytes; more is what the error quoted. */
const STACK_CHARS = 8_192;

/**
 * Every error becomes a JSON answer: HttpExceptions with their own status and body (so
 * terminus' 503 keeps its per-indicator details), anything else a 500 that says no more
 * than that, while the log gets the detail.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    let status: number = HttpStatus.INTERNAL_SERVER_ERROR;
    let body: unknown = { statusCode: status, error: 'Internal Server Error', message: 'the injector failed to process the request; see its log' };
    if (exception instanceof HttpException) {
      status = exception.getStatus();
      const answer = exception.getResponse();
      body = typeof answer === 'string' ? { statusCode: status, message: answer } : answer;
    } else {
      // A message may quote the request: bounded like everything else a request controls.
      this.logger.error({ msg: 'unhandled error while serving a request', error: clip(exception instanceof Error ? String(exception.stack) : String(exception), STACK_CHARS) });
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(body);
  }
}
