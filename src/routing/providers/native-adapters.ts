import { AnthropicAdapter } from './anthropic/anthropic.adapter';
import { BedrockAdapter } from './bedrock/bedrock.adapter';
import { CohereAdapter } from './cohere/cohere.adapter';
import { GeminiAdapter } from './gemini/gemini.adapter';
import { OllamaAdapter, OllamaChatAdapter } from './ollama/ollama.adapter';
import { SageMakerAdapter } from './sagemaker/sagemaker.adapter';
import { TextCompletionOpenAiAdapter } from './text-completion-openai/text-completion-openai.adapter';
import { VertexAiAdapter } from './vertex/vertex-ai.adapter';

/** Adapters for providers with their own wire format, registered by RoutingModule next to the OpenAI-wire ones. */
export const NATIVE_PROVIDER_ADAPTERS = [
  AnthropicAdapter,
  OllamaAdapter,
  OllamaChatAdapter,
  GeminiAdapter,
  VertexAiAdapter,
  BedrockAdapter,
  SageMakerAdapter,
  CohereAdapter,
  TextCompletionOpenAiAdapter,
] as const;
