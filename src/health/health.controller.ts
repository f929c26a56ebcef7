import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { CertificatesHealthIndicator } from '../certificates/certificates.health.ts';
import { ServingHealthIndicator } from '../serving/serving.health.ts';
import { SidecarConfigHealthIndicator } from '../sidecar-config/sidecar-config.health.ts';
import { RegistrationHealthIndicator } from '../webhook-registration/registration.health.ts';

@Controller()
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly certificate: CertificatesHealthIndicator,
    private readonly sidecarConfig: SidecarConfigHealthIndicator,
    private readonly serving: ServingHealthIndicator,
    private readonly registration: RegistrationHealthIndicator,
  ) {}

  /** Liveness: answering at all proves the event loop turns. It checks nothing else, so a dependency outage never restarts the pod. */
  @Get('healthz')
  liveness(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('readyz')
  @HealthCheck()
  readiness() {
    return this.health.check([() => this.serving.isHealthy(), () => this.certificate.isHealthy(), () => this.sidecarConfig.isHealthy(), () => this.registration.isHealthy()]);
  }
}
