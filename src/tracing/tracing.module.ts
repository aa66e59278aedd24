import { Module } from '@nestjs/common';
import { CallTracer } from './call-tracer.service';

/** OpenTelemetry traces of governed calls (`callbacks: ["otel"]`); the pipeline marks the stages. */
@Module({
  providers: [CallTracer],
  exports: [CallTracer],
})
export class TracingModule {}
