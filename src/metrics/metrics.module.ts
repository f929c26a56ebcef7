import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module.ts';
import { CertificatesModule } from '../certificates/certificates.module.ts';
import { EventsModule } from '../events/events.module.ts';
import { ServingModule } from '../serving/serving.module.ts';
import { SidecarConfigModule } from '../sidecar-config/sidecar-config.module.ts';
import { WebhookRegistrationModule } from '../webhook-registration/webhook-registration.module.ts';
import { MetricsController } from './metrics.controller.ts';
import { MetricsService } from './metrics.service.ts';

@Module({
  imports: [AdmissionModule, EventsModule, SidecarConfigModule, CertificatesModule, WebhookRegistrationModule, ServingModule],
  controllers: [MetricsController],
  providers: [MetricsService],
  exports: [MetricsService],
})
export class MetricsModule {}
