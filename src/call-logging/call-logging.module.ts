import { Module } from '@nestjs/common';
import { CallLogging } from './call-logging.service';

/** Logging callbacks: every call's StandardLoggingPayload to a generic HTTP endpoint or Langfuse. */
@Module({
  providers: [CallLogging],
  exports: [CallLogging],
})
export class CallLoggingModule {}
