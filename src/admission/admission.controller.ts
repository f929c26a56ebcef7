import type { ServerResponse } from 'node:http';
import { Body, Controller, Post, Res } from '@nestjs/common';
import type { AdmissionReviewRequest } from '../injection/admission-review.ts';
import { AdmissionReviewPipe } from './admission-review.pipe.ts';
import { InjectionService } from './injection.service.ts';
import { serializeReviewAnswer } from './review-answer.ts';

/** The webhook endpoint. `/inject/<anything>` is accepted too, so one service can sit behind several webhook paths. */
@Controller('inject')
export class AdmissionController {
  constructor(private readonly injection: InjectionService) {}

  /**
   * Writes its answer itself (`@Res()`): Express's `res.json` would scan the base64 patch
   * again and re-derive headers this answer always has, 7% of a review's instructions.
   * Errors still reach the exception filter, since nothing is written until the end.
   */
  @Post(['', '*path'])
  review(@Body(AdmissionReviewPipe) review: AdmissionReviewRequest, @Res() response: ServerResponse): void {
    const answer = serializeReviewAnswer(review.apiVersion, this.injection.review(review.request));
    response.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(answer) }).end(answer);
  }
}
