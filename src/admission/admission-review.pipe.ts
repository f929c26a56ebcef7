import { BadRequestException, Injectable, type PipeTransform } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { AdmissionRequest, AdmissionReviewRequest } from '../injection/admission-review.ts';
import type { JsonValue } from '../injection/kubernetes-types.ts';
import { isPlainlyValidReview } from './review-shape.ts';

/**
 * Validates the AdmissionReview envelope. class-validator's DTOs define what is valid and
 * say what is wrong; reviews as the apiserver sends them are recognised by a quick check
 * first, since the DTO path costs tens of microseconds a request. The pod
 * (`request.object`, up to megabytes) is never class-transformed, which would deep-copy it
 * for nothing: it is handed on by reference.
 */
@Injectable()
export class AdmissionReviewPipe implements PipeTransform<unknown, AdmissionReviewRequest | Promise<AdmissionReviewRequest>> {
  transform(body: unknown): AdmissionReviewRequest | Promise<AdmissionReviewRequest> {
    if (!isRecord(body)) throw new BadRequestException('the body must be a JSON object: an admission.k8s.io AdmissionReview');
    return isPlainlyValidReview(body) ? fromPlainlyValid(body) : validateWithDtos(body);
  }
}

/** The apiserver's own reviews: already known valid, read without copying. */
function fromPlainlyValid(body: Record<string, unknown>): AdmissionReviewRequest {
  const request = body['request'] as Record<string, unknown> & AdmissionRequest;
  const kind = request.kind;
  return {
    apiVersion: body['apiVersion'] as AdmissionReviewRequest['apiVersion'],
    kind: 'AdmissionReview',
    request: kind.group === undefined ? { ...request, kind: { ...kind, group: '' } } : request,
  };
}

/**
 * Loaded on first use: class-validator and class-transformer hold ~4 MiB of heap, and
 * the apiserver's reviews never need them.
 */
const dtoValidation = () => Promise.all([import('class-transformer'), import('class-validator'), import('./admission-review.dto.ts')]);

async function validateWithDtos(body: Record<string, unknown>): Promise<AdmissionReviewRequest> {
  const [{ plainToInstance }, { validateSync }, { AdmissionReviewDto }] = await dtoValidation();
  const request = body['request'];
  const { object, oldObject, ...envelope } = isRecord(request) ? request : { object: undefined, oldObject: undefined };
  const dto = plainToInstance(AdmissionReviewDto, { apiVersion: body['apiVersion'], kind: body['kind'], request: isRecord(request) ? envelope : request });
  const errors = validateSync(dto, { forbidUnknownValues: true });
  if (errors.length > 0) throw new BadRequestException(`invalid AdmissionReview: ${describe(errors).join('; ')}`);
  const { kind } = dto.request;
  return {
    apiVersion: dto.apiVersion,
    kind: dto.kind,
    request: { ...dto.request, kind: { group: kind.group ?? '', version: kind.version, kind: kind.kind }, object: object as JsonValue | undefined },
  };
}

function describe(errors: readonly ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = error.constraints ? [`${path}: ${Object.values(error.constraints).join(', ')}`] : [];
    return [...own, ...describe(error.children ?? [], path)];
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
