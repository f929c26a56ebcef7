import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CertificatesHealthIndicator } from './certificates.health.ts';
import { CertificatesService } from './certificates.service.ts';

@Module({
  imports: [TerminusModule],
  providers: [CertificatesService, CertificatesHealthIndicator],
  exports: [CertificatesService, CertificatesHealthIndicator],
})
export class CertificatesModule {}
