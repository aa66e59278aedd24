import { Module } from '@nestjs/common';
import { ModelRegistry } from './model-registry.service';
import { AnthropicAdapter } from './providers/anthropic/anthropic.adapter';
import { AzureOpenAiAdapter } from './providers/azure/azure-openai.adapter';
import { OllamaAdapter, OllamaChatAdapter } from './providers/ollama/ollama.adapter';
import { BedrockAdapter } from './providers/bedrock/bedrock.adapter';
import { CohereAdapter } from './providers/cohere/cohere.adapter';
import { GeminiAdapter } from './providers/gemini/gemini.adapter';
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
    AnthropicAdapter,
    OllamaAdapter,
    OllamaChatAdapter,
    GeminiAdapter,
    BedrockAdapter,
    CohereAdapter,
    {
      provide: PROVIDER_ADAPTERS,
      useFactory: (...adapters: unknown[]) => adapters,
      inject: [OpenAiAdapter, AzureOpenAiAdapter, MockAdapter, AnthropicAdapter, OllamaAdapter, OllamaChatAdapter, GeminiAdapter, BedrockAdapter, CohereAdapter],
    },
    ProviderRegistry,
    ModelRegistry,
  ],
  exports: [ModelRegistry, ProviderRegistry],
})
export class RoutingModule {}
