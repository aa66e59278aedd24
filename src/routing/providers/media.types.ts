/**
 * The OpenAI-compatible operations beyond chat, completions and embeddings, as adapters see them. Bodies are the
 * OpenAI (or, for rerank, Cohere/LiteLLM) wire format; only the fields the gateway reads are typed.
 */

export interface RerankRequest {
  model: string;
  query: string;
  documents: unknown[];
  top_n?: number;
  return_documents?: boolean;
  [extra: string]: unknown;
}

export interface RerankResponse {
  id: string;
  results: { index: number; relevance_score: number; document?: { text: string } }[];
  meta: { billed_units?: { search_units?: number; input_tokens?: number }; tokens?: { input_tokens?: number; output_tokens?: number }; [extra: string]: unknown };
}

export interface ImageGenerationRequest {
  model: string;
  prompt: string;
  [extra: string]: unknown;
}

export interface ModerationRequest {
  model?: string;
  input: unknown;
  [extra: string]: unknown;
}

export interface SpeechRequest {
  model: string;
  input: string;
  voice: string;
  [extra: string]: unknown;
}

/** A multipart upload (audio to transcribe, a file to store) as the gateway received it. */
export interface MultipartUpload {
  fields: Record<string, string>;
  file: { fieldName: string; filename: string; contentType: string; data: Buffer };
}

/** A binary answer (synthesised speech, file content), relayed as it is. */
export interface BinaryResult {
  contentType: string;
  body: Buffer;
  headers: Record<string, string>;
}

/** Any JSON answer the gateway relays without reading more than its usage. */
export type JsonObject = Record<string, unknown>;
