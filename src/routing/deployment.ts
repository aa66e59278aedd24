import type { LitellmParams, ModelInfo } from '../config/config.types';

export type ProviderId =
  | 'openai'
  | 'openai_compatible'
  | 'azure'
  | 'mock'
  | 'anthropic'
  | 'ollama'
  | 'ollama_chat'
  | 'gemini'
  | 'vertex_ai'
  | 'cohere'
  | 'bedrock'
  | 'sagemaker'
  | 'text-completion-openai';

/** One configured upstream (a `model_list` entry), resolved and ready to call. */
export interface Deployment {
  /** `model_info.id`, or a stable hash of the entry when none is configured. */
  readonly id: string;
  /** The public model group name clients send (`model_name`). */
  readonly modelName: string;
  /** The adapter that serves it. */
  readonly provider: ProviderId;
  /**
   * LiteLLM's provider name, the `litellm_params.model` prefix (`groq`, `vertex_ai`, `sagemaker_chat`, …): what spend
   * rows record as `custom_llm_provider`, and how adapters serving several providers tell them apart.
   */
  readonly customLlmProvider?: string;
  /** The model name the provider expects (the part after `provider/`). */
  readonly upstreamModel: string;
  readonly apiBase?: string;
  readonly apiKey?: string;
  readonly apiVersion?: string;
  readonly organization?: string;
  readonly timeoutMs: number;
  readonly streamTimeoutMs: number;
  readonly region?: string;
  readonly mode: NonNullable<ModelInfo['mode']>;
  /** `model_info.base_model`: the catalog name to price an opaque deployment (e.g. an Azure deployment) by. */
  readonly baseModel?: string;
  readonly params: Readonly<LitellmParams>;
  /** Set on a per-call copy whose `api_base` came from the request: every connection re-checks its address. */
  readonly clientSupplied?: boolean;
}
