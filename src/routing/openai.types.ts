/**
 * The canonical request/response model inside Tollgate is OpenAI's wire format. Only the fields the
 * gateway itself reads are typed; everything else passes through untouched.
 */

export interface ChatMessage {
  role: string;
  content?: unknown;
  [extra: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  [extra: string]: unknown;
}

interface ProxyRequestFields {
  model: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean; [extra: string]: unknown } | null;
  user?: string;
  metadata?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface ChatCompletionRequest extends ProxyRequestFields {
  messages: ChatMessage[];
}

export interface TextCompletionRequest extends ProxyRequestFields {
  prompt: unknown;
}

export interface EmbeddingRequest {
  model: string;
  input: unknown;
  encoding_format?: 'float' | 'base64';
  user?: string;
  [extra: string]: unknown;
}

/** A chat.completion, text_completion or chunk object: what the gateway rewrites (`id`) and reads (`usage`). */
export interface CompletionObject {
  id: string;
  object: string;
  model?: string;
  usage?: Usage | null;
  [extra: string]: unknown;
}

export interface EmbeddingResponse {
  object: 'list';
  data: unknown[];
  model: string;
  usage?: { prompt_tokens: number; total_tokens: number } | null;
  [extra: string]: unknown;
}

export type LlmOperation = 'chat' | 'completion' | 'embedding';
