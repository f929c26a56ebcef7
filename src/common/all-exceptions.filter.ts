import { Catch, HttpException, HttpStatus, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';

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
      this.logger.error({ msg: 'unhandled error while serving a request', error: exception instanceof Error ? exception.stack : String(exception) });
    }
    if (response.headersSent) {
      response.end();
      return;
    }
    response.status(status).json(body);
  }
}
