import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CertificatesModule } from '../certificates/certificates.module.ts';
import { ServingModule } from '../serving/serving.module.ts';
import { SidecarConfigModule } from '../sidecar-config/sidecar-config.module.ts';
import { HealthController } from './health.controller.ts';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), CertificatesModule, SidecarConfigModule, ServingModule],
  controllers: [HealthController],
})
export class HealthModule {}
