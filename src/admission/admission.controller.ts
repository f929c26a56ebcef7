import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import type { AdmissionReviewRequest, AdmissionReviewResponse } from '../injection/admission-review.ts';
import { AdmissionReviewPipe } from './admission-review.pipe.ts';
import { InjectionService } from './injection.service.ts';

/** The webhook endpoint. `/inject/<anything>` is accepted too, so one service can sit behind several webhook paths. */
@Controller('inject')
export class AdmissionController {
  constructor(private readonly injection: InjectionService) {}

  @Post(['', '*path'])
  @HttpCode(200)
  review(@Body(AdmissionReviewPipe) review: AdmissionReviewRequest): AdmissionReviewResponse {
    return { apiVersion: review.apiVersion, kind: 'AdmissionReview', response: this.injection.review(review.request) };
  }
}
