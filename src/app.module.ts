import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AdmissionModule } from './admission/admission.module.ts';
import { CertificatesModule } from './certificates/certificates.module.ts';
import { AllExceptionsFilter } from './common/all-exceptions.filter.ts';
import type { AppConfig } from './config/app-config.ts';
import { ConfigModule } from './config/config.module.ts';
import { EventsModule } from './events/events.module.ts';
import { HealthModule } from './health/health.module.ts';
import { KubernetesModule } from './kubernetes/kubernetes.module.ts';
import { MetricsModule } from './metrics/metrics.module.ts';
import { ServingModule } from './serving/serving.module.ts';
import { SidecarConfigModule } from './sidecar-config/sidecar-config.module.ts';
import { WebhookRegistrationModule } from './webhook-registration/webhook-registration.module.ts';

@Module({})
export class AppModule {
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), KubernetesModule, SidecarConfigModule, CertificatesModule, AdmissionModule, ServingModule, WebhookRegistrationModule, HealthModule, EventsModule, MetricsModule],
      providers: [{ provide: APP_FILTER, useClass: AllExceptionsFilter }],
    };
  }
}
