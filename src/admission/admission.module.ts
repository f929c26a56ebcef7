import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { SidecarConfigModule } from '../sidecar-config/sidecar-config.module.ts';
import { AdmissionController } from './admission.controller.ts';
import { InjectionService } from './injection.service.ts';
import { JsonBodyMiddleware } from './json-body.middleware.ts';
import { reviewBudgetProvider } from './review-budget.provider.ts';

@Module({
  imports: [SidecarConfigModule],
  controllers: [AdmissionController],
  providers: [InjectionService, reviewBudgetProvider],
  exports: [InjectionService],
})
export class AdmissionModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(JsonBodyMiddleware).forRoutes(AdmissionController);
  }
}
