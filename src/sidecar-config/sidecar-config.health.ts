import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { SidecarConfigService } from './sidecar-config.service.ts';

/** Up while a valid config serves; degraded (still ready) when the newest file was rejected. */
@Injectable()
export class SidecarConfigHealthIndicator {
  constructor(
    private readonly sidecarConfig: SidecarConfigService,
    private readonly health: HealthIndicatorService,
  ) {}

  isHealthy(key = 'sidecarConfig') {
    const indicator = this.health.check(key);
    const generation = this.sidecarConfig.generation;
    if (generation === 0) return indicator.down({ reason: 'no sidecar config loaded' });
    const sidecars = [...this.sidecarConfig.current().sidecars.keys()];
    const rejected = this.sidecarConfig.lastError;
    if (rejected) return indicator.degraded({ generation, sidecars, reason: `serving the previous version; the newest file was rejected: ${rejected}` });
    return indicator.up({ generation, sidecars });
  }
}
