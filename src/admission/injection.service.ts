import { performance } from 'node:perf_hooks';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { Subject } from 'rxjs';
import { clip, echo } from '../common/clip.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import type { AdmissionRequest, AdmissionResponse } from '../injection/admission-review.ts';
import { toAdmissionResponse } from '../injection/admission-response.ts';
import { decideInjection, type InjectionDecision, type InjectionPolicy } from '../injection/injector.ts';
import type { Pod } from '../injection/kubernetes-types.ts';
import { protectedNamespaces } from '../injection/protected-namespaces.ts';
import { SidecarConfigService } from '../sidecar-config/sidecar-config.service.ts';

/** A refusal names what it refused (a sidecar, a container, both sides of a clash): more room than a name. */
const DETAIL_CHARS = 1_024;

/** One answered review, for metrics, logs and Kubernetes Events. */
export interface ReviewOutcome {
  readonly request: AdmissionRequest;
  readonly decision: InjectionDecision;
  readonly durationSeconds: number;
}

/** Applies the pure injection engine to requests, with the current templates, and reports each outcome. */
@Injectable()
export class InjectionService {
  private readonly logger = new Logger('Admission');
  private readonly policy: InjectionPolicy;
  readonly outcomes$ = new Subject<ReviewOutcome>();

  constructor(
    private readonly sidecarConfig: SidecarConfigService,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.policy = { protectedNamespaces: new Set(protectedNamespaces(config.podNamespace)) };
  }

  review(request: AdmissionRequest): AdmissionResponse {
    const started = performance.now();
    const decision = decideInjection(request, this.sidecarConfig.current(), this.policy);
    const response = toAdmissionResponse(request.uid, decision);
    const durationSeconds = (performance.now() - started) / 1_000;
    this.log(request, decision, durationSeconds);
    if (this.outcomes$.observed) this.outcomes$.next({ request, decision, durationSeconds });
    return response;
  }

  private log(request: AdmissionRequest, decision: InjectionDecision, durationSeconds: number): void {
    const metadata = (request.object as Pod | undefined)?.metadata;
    const entry = {
      msg: 'admission review',
      uid: request.uid,
      // Before the apiserver validates the pod, any of these can be megabytes (src/common/clip.ts).
      namespace: echo(request.namespace),
      pod: echo(metadata?.name || metadata?.generateName || request.name),
      operation: request.operation,
      dryRun: request.dryRun === true,
      decision: decision.outcome,
      ...(decision.outcome === 'injected' ? { sidecars: decision.sidecars } : { reason: decision.reason, detail: clip(decision.message, DETAIL_CHARS) }),
      durationMs: Math.round(durationSeconds * 1e6) / 1e3,
    };
    if (decision.outcome === 'refused') this.logger.warn(entry);
    else this.logger.log(entry);
  }
}
