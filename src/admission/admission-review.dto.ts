import { Type } from 'class-transformer';
import { Equals, IsBoolean, IsDefined, IsIn, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, ValidateNested } from 'class-validator';
import { ADMISSION_API_VERSIONS, ADMISSION_OPERATIONS, type AdmissionApiVersion, type AdmissionOperation } from '../injection/admission-review.ts';

export class GroupVersionKindDto {
  @IsOptional()
  @IsString()
  group?: string;

  @IsString()
  version!: string;

  @IsString()
  @IsNotEmpty()
  kind!: string;
}

/** The envelope of an admission request. `object` is checked by the injection engine, which knows what a pod needs. */
export class AdmissionRequestDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  uid!: string;

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => GroupVersionKindDto)
  kind!: GroupVersionKindDto;

  @IsIn(ADMISSION_OPERATIONS)
  operation!: AdmissionOperation;

  @IsOptional()
  @IsString()
  namespace?: string;

  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsString()
  subResource?: string;

  @IsOptional()
  @IsBoolean()
  dryRun?: boolean;
}

export class AdmissionReviewDto {
  @IsIn(ADMISSION_API_VERSIONS)
  apiVersion!: AdmissionApiVersion;

  @Equals('AdmissionReview')
  kind!: 'AdmissionReview';

  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => AdmissionRequestDto)
  request!: AdmissionRequestDto;
}
