import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { RegistrationService } from './registration.service.ts';

/** Ready once the apiserver holds our webhook with the CA bundle we serve under (when registration is on). */
@Injectable()
export class RegistrationHealthIndicator {
  constructor(
    private readonly registration: RegistrationService,
    private readonly health: HealthIndicatorService,
  ) {}

  isHealthy(key = 'registration') {
    const indicator = this.health.check(key);
    const state = this.registration.state;
    if (state.phase === 'disabled') return indicator.up({ registration: 'off', reason: state.reason });
    if (this.registration.isSatisfied) return indicator.up({ registration: 'registered' });
    if (state.phase === 'registered') return indicator.down({ reason: 'the new CA bundle is not registered yet' });
    return indicator.down({ reason: state.reason });
  }
}
