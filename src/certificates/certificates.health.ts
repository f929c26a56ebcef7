import { Injectable } from '@nestjs/common';
import { HealthIndicatorService } from '@nestjs/terminus';
import { CertificatesService } from './certificates.service.ts';

/**
 * Ready only with a serving certificate that is valid now. A refused update or a stand-in
 * still serves, so it shows as a warning rather than taking the pod out of the Service.
 */
@Injectable()
export class CertificatesHealthIndicator {
  constructor(
    private readonly certificates: CertificatesService,
    private readonly health: HealthIndicatorService,
  ) {}

  isHealthy(key = 'certificate') {
    const indicator = this.health.check(key);
    const identity = this.certificates.current();
    const problem = this.certificates.problem;
    if (!identity) return indicator.down({ reason: problem ?? 'no serving certificate' });
    if (identity.notAfter.getTime() <= Date.now()) return indicator.down({ reason: `the serving certificate expired at ${identity.notAfter.toISOString()}` });
    return indicator.up({
      notAfter: identity.notAfter.toISOString(),
      source: this.certificates.sourceDescription,
      ...(identity.provisional ? { standIn: true } : {}),
      ...(problem ? { warning: problem } : {}),
    });
  }
}
