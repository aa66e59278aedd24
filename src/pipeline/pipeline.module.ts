import { Module } from '@nestjs/common';
import { CallLoggingModule } from '../call-logging/call-logging.module';
import { CustomersModule } from '../customers/customers.module';
import { GuardrailsModule } from '../guardrails/guardrails.module';
import { LimitsModule } from '../limits/limits.module';
import { ObservabilityModule } from '../observability/observability.module';
import { PricingModule } from '../catalog/pricing.module';
import { RoutingModule } from '../routing/routing.module';
import { SpendModule } from '../spend/spend.module';
import { StoreModule } from '../store/store.module';
import { TeamsModule } from '../teams/teams.module';
import { TracingModule } from '../tracing/tracing.module';
import { CallPipeline } from './call-pipeline.service';
import { ChargedPartiesLookup } from './charged-parties';
import { GuardrailModelCalls } from './guardrail-model-calls';
import { ResponseCache } from './response-cache';

/** The one governed call every LLM edge hands its calls to. */
@Module({
  imports: [
    TeamsModule,
    CustomersModule,
    GuardrailsModule,
    LimitsModule,
    RoutingModule,
    PricingModule,
    SpendModule,
    StoreModule,
    ObservabilityModule,
    TracingModule,
    CallLoggingModule,
  ],
  providers: [ChargedPartiesLookup, ResponseCache, CallPipeline, GuardrailModelCalls],
  exports: [CallPipeline],
})
export class PipelineModule {}
