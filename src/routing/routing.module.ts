import { Module } from '@nestjs/common';
import { ModelRegistry } from './model-registry.service';
import { AzureOpenAiAdapter } from './providers/azure/azure-openai.adapter';
import { NATIVE_PROVIDER_ADAPTERS } from './providers/native-adapters';
import { MockAdapter } from './providers/mock/mock.adapter';
import { OpenAiAdapter } from './providers/openai/openai.adapter';
import { PROVIDER_ADAPTERS } from './providers/provider-adapter';
import { ProviderRegistry } from './providers/provider-registry.service';
import { UpstreamHttp } from './upstream-http.service';

@Module({
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
  ],
  exports: [ModelRegistry, ProviderRegistry],
})
export class RoutingModule {}
