import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { SidecarConfigHealthIndicator } from './sidecar-config.health.ts';
import { SidecarConfigService } from './sidecar-config.service.ts';

@Module({
  imports: [TerminusModule],
  providers: [SidecarConfigService, SidecarConfigHealthIndicator],
  exports: [SidecarConfigService, SidecarConfigHealthIndicator],
})
export class SidecarConfigModule {}
