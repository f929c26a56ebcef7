import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CertificatesModule } from '../certificates/certificates.module.ts';
import { ServingModule } from '../serving/serving.module.ts';
import { SidecarConfigModule } from '../sidecar-config/sidecar-config.module.ts';
import { HealthController } from './health.controller.ts';
import { WebhookRegistrationModule } from '../webhook-registration/webhook-registration.module.ts';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), CertificatesModule, SidecarConfigModule, ServingModule, WebhookRegistrationModule],
  controllers: [HealthController],
})
export class HealthModule {}
