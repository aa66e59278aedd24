import { Module } from '@nestjs/common';
import { PricingModule } from '../pricing/pricing.module';
import { ModelRegistry } from './model-registry.service';
import { AzureOpenAiAdapter } from './providers/azure/azure-openai.adapter';
import { NATIVE_PROVIDER_ADAPTERS } from './providers/native-adapters';
import { MockAdapter } from './providers/mock/mock.adapter';
import { OpenAiAdapter } from './providers/openai/openai.adapter';
import { PROVIDER_ADAPTERS } from './providers/provider-adapter';
import { ProviderRegistry } from './providers/provider-registry.service';
import { Router } from './router.service';
import { InMemoryRouterStateStore } from './state/in-memory-router-state.store';
import { ROUTER_CLOCK, ROUTER_STATE_STORE, systemClock, type Clock } from './state/router-state.store';
import { UpstreamHttp } from './upstream-http.service';

@Module({
  imports: [PricingModule],
  providers: [
    UpstreamHttp,
    OpenAiAdapter,
    AzureOpenAiAdapter,
    MockAdapter,
    ...NATIVE_PROVIDER_ADAPTERS,
    {
      provide: PROVIDER_ADAPTERS,
      useFactory: (...adapters: unknown[]) => adapters,
      inject: [OpenAiAdapter, AzureOpenAiAdapter, MockAdapter, ...NATIVE_PROVIDER_ADAPTERS],
    },
    ProviderRegistry,
    ModelRegistry,
    { provide: ROUTER_CLOCK, useValue: systemClock },
    { provide: ROUTER_STATE_STORE, useFactory: (clock: Clock) => new InMemoryRouterStateStore(clock), inject: [ROUTER_CLOCK] },
    Router,
  ],
  exports: [ModelRegistry, ProviderRegistry, Router],
})
export class RoutingModule {}
