import { Module } from '@nestjs/common';
import { PricingModule } from '../catalog/pricing.module';
import { ModelRegistry } from './model-registry.service';
import { AzureOpenAiAdapter } from './providers/azure/azure-openai.adapter';
import { NATIVE_PROVIDER_ADAPTERS } from './providers/native-adapters';
import { MockAdapter } from './providers/mock/mock.adapter';
import { OpenAiAdapter } from './providers/openai/openai.adapter';
import { OpenAiCompatibleAdapter } from './providers/openai-compatible/openai-compatible.adapter';
import { PROVIDER_ADAPTERS } from './providers/provider-adapter';
import { ProviderRegistry } from './providers/provider-registry.service';
import { Router } from './router.service';
import { RouterPolicyHolder, routerPolicyOf } from './router-policy';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { TollgateConfig } from '../config/config.types';
import { COUNTER_STORE, STORE_CLOCK, type Clock, type CounterStore } from '../store/counter-store';
import { StoreModule } from '../store/store.module';
import { STORE_SETTINGS, type StoreSettings } from '../store/store.tokens';
import { ROUTER_CLOCK, ROUTER_STATE_STORE } from './state/router-state.store';
import { StoreRouterState } from './state/store-router-state';
import { UpstreamHttp } from './upstream-http.service';

@Module({
  imports: [PricingModule, StoreModule],
  providers: [
    UpstreamHttp,
    OpenAiAdapter,
    OpenAiCompatibleAdapter,
    AzureOpenAiAdapter,
    MockAdapter,
    ...NATIVE_PROVIDER_ADAPTERS,
    {
      provide: PROVIDER_ADAPTERS,
      useFactory: (...adapters: unknown[]) => adapters,
      inject: [OpenAiAdapter, OpenAiCompatibleAdapter, AzureOpenAiAdapter, MockAdapter, ...NATIVE_PROVIDER_ADAPTERS],
    },
    ProviderRegistry,
    { provide: RouterPolicyHolder, useFactory: (config: TollgateConfig) => new RouterPolicyHolder(routerPolicyOf(config)), inject: [TOLLGATE_CONFIG] },
    ModelRegistry,
    { provide: ROUTER_CLOCK, useExisting: STORE_CLOCK },
    {
      provide: ROUTER_STATE_STORE,
      useFactory: (store: CounterStore, clock: Clock, settings: StoreSettings) => new StoreRouterState(store, clock, settings.leaseMs),
      inject: [COUNTER_STORE, STORE_CLOCK, STORE_SETTINGS],
    },
    Router,
  ],
  exports: [ModelRegistry, ProviderRegistry, Router, RouterPolicyHolder],
})
export class RoutingModule {}
