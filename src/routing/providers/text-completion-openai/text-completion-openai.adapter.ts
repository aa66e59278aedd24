import { Injectable } from '@nestjs/common';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, CompletionObject, EmbeddingRequest, TextCompletionRequest } from '../../openai.types';
import { chatChunkFromTextChunk, chatFromTextCompletion } from '../completion-via-chat';
import { isSystemRole, textOf } from '../openai-message';
import { OpenAiAdapter } from '../openai/openai.adapter';
import type { EmbeddingResult, JsonResult, ProviderAdapter, StreamResult } from '../provider-adapter';

/** Fields a chat request shares with a text completion; the rest (tools, response_format) has no place there. */
const SHARED_FIELDS = [
  'max_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'logit_bias',
  'stream',
  'stream_options',
  'logprobs',
  'echo',
  'best_of',
  'suffix',
] as const;

/**
 * `text-completion-openai/<model>` (gpt-3.5-turbo-instruct, davinci-002, or any server with only `/completions`):
 * chat calls are sent to `/completions` with the conversation as the prompt, and the answer comes back as a chat
 * completion; text completions go through unchanged. The HTTP side is the OpenAI adapter's.
 */
@Injectable()
export class TextCompletionOpenAiAdapter implements ProviderAdapter {
  readonly id = 'text-completion-openai' as const;

  constructor(private readonly openAi: OpenAiAdapter) {}

  async chat(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    const result = await this.openAi.completion(completionRequestFromChat(request), deployment, signal);
    return { headers: result.headers, body: chatFromTextCompletion(result.body) };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const result = await this.openAi.completionStream(completionRequestFromChat(request), deployment, signal);
    return { headers: result.headers, batches: mapBatches(result.batches) };
  }

  completion(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<JsonResult<CompletionObject>> {
    return this.openAi.completion(request, deployment, signal);
  }

  completionStream(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    return this.openAi.completionStream(request, deployment, signal);
  }

  embeddings(request: EmbeddingRequest, deployment: Deployment, signal: AbortSignal): Promise<EmbeddingResult> {
    return this.openAi.embeddings(request, deployment, signal);
  }
}

/**
 * A single user turn is the prompt as it is (the instruct models were trained on bare instructions); a longer
 * conversation is written out with role labels, ending on the assistant's turn.
 */
export function completionRequestFromChat(request: ChatCompletionRequest): TextCompletionRequest {
  const turns = request.messages;
  const prompt =
    turns.length === 1 && turns[0].role === 'user'
      ? textOf(turns[0].content)
      : `${turns.map((turn) => `${isSystemRole(turn.role) ? 'System' : turn.role === 'assistant' ? 'Assistant' : 'User'}: ${textOf(turn.content)}\n`).join('')}Assistant:`;
  const completion: Record<string, unknown> = { model: request.model, prompt };
  for (const field of SHARED_FIELDS) if (request[field] !== undefined) completion[field] = request[field];
  if (completion.max_tokens === undefined && typeof request.max_completion_tokens === 'number') completion.max_tokens = request.max_completion_tokens;
  return completion as TextCompletionRequest;
}

async function* mapBatches(batches: AsyncIterable<string[]>): AsyncGenerator<string[]> {
  for await (const batch of batches) yield batch.map(chatChunkFromTextChunk);
}
