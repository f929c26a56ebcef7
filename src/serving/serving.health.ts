import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { ServingService } from './serving.service.ts';

/** Ready while the webhook listener accepts connections; not ready from the first moment of shutdown. */
@Injectable()
export class ServingHealthIndicator {
  constructor(
    private readonly serving: ServingService,
    private readonly health: HealthIndicatorService,
  ) {}

  isHealthy(key = 'webhookServer') {
    const indicator = this.health.check(key);
    if (this.serving.isDraining) return indicator.down({ reason: 'shutting down' });
    if (!this.serving.isListening) return indicator.down({ reason: 'the HTTPS listener is not up yet' });
    return indicator.up({ port: this.serving.webhookPort });
  }
}
