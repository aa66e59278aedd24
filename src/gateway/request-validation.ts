import { BadRequestError } from '../common/errors/http-errors';
import type { ChatCompletionRequest, EmbeddingRequest, LlmOperation, TextCompletionRequest } from '../routing/openai.types';

export type LlmRequest = ChatCompletionRequest | TextCompletionRequest | EmbeddingRequest;

const REQUIRED_FIELD: Record<LlmOperation, string> = { chat: 'messages', completion: 'prompt', embedding: 'input' };

/**
 * The few checks the gateway itself depends on, done by hand: a class-validator pass over every LLM body
 * would cost more than the rest of the hot path, and providers validate their own parameters anyway.
 */
export function validateLlmBody(body: unknown, operation: LlmOperation, pathModel?: string): LlmRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new BadRequestError('Request body must be a JSON object.');
  }
  const request = body as Record<string, unknown>;
  if (pathModel) request.model = pathModel;
  const required = REQUIRED_FIELD[operation];
  const value = request[required];
  if (value === undefined || value === null) throw new BadRequestError(`Missing required parameter: '${required}'.`, required);
  if (operation === 'chat') {
    if (!Array.isArray(value) || value.length === 0) throw new BadRequestError("'messages' must be a non-empty array.", 'messages');
    for (let i = 0; i < value.length; i++) {
      const message = value[i] as { role?: unknown } | null;
      if (typeof message !== 'object' || message === null || typeof message.role !== 'string') {
        throw new BadRequestError(`'messages[${i}]' must be an object with a string 'role'.`, `messages[${i}]`);
      }
    }
  }
  if (request.stream !== undefined && typeof request.stream !== 'boolean') throw new BadRequestError("'stream' must be a boolean.", 'stream');
  return request as unknown as LlmRequest;
}
