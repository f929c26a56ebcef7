import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CertificatesModule } from '../certificates/certificates.module.ts';
import { ServingModule } from '../serving/serving.module.ts';
import { RegistrationHealthIndicator } from './registration.health.ts';
import { RegistrationService } from './registration.service.ts';

@Module({
  imports: [CertificatesModule, ServingModule, TerminusModule],
  providers: [RegistrationService, RegistrationHealthIndicator],
  exports: [RegistrationService, RegistrationHealthIndicator],
})
export class WebhookRegistrationModule {}
