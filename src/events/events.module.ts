import { Module } from '@nestjs/common';
import { AdmissionModule } from '../admission/admission.module.ts';
import { EventsService } from './events.service.ts';

@Module({
  imports: [AdmissionModule],
  providers: [EventsService],
  exports: [EventsService],
})
export class EventsModule {}
