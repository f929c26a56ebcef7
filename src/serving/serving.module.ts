import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CertificatesModule } from '../certificates/certificates.module.ts';
import { ServingHealthIndicator } from './serving.health.ts';
import { ServingService } from './serving.service.ts';

@Module({
  imports: [CertificatesModule, TerminusModule],
  providers: [ServingService, ServingHealthIndicator],
  exports: [ServingService, ServingHealthIndicator],
})
export class ServingModule {}
