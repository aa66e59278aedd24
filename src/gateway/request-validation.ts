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
  validateLiteLlmFields(request);
  return request as unknown as LlmRequest;
}

/**
 * What every LLM edge checks of LiteLLM's own request fields, which end up on the spend row: `metadata` (tags and
 * `spend_logs_metadata`) and top-level `tags`. `metadataField` is where the edge's format keeps LiteLLM's metadata
 * (`litellm_metadata` on the Anthropic Messages API, whose `metadata` is Anthropic's own).
 */
export function validateLiteLlmFields(request: Record<string, unknown>, metadataField = 'metadata'): void {
  const metadata = request[metadataField];
  if (metadata !== undefined && metadata !== null) validateMetadata(metadata, metadataField);
  if (request.tags !== undefined && request.tags !== null) validateTags(request.tags, 'tags');
}

const MAX_TAGS = 64;
const MAX_TAG_LENGTH = 256;
const MAX_SPEND_LOGS_METADATA_BYTES = 16 * 1024;

/** `metadata.tags` and `metadata.spend_logs_metadata` end up on the spend row: refuse what cannot be stored faithfully. */
export function validateMetadata(metadata: unknown, field: string): void {
  if (typeof metadata !== 'object' || Array.isArray(metadata)) throw new BadRequestError(`'${field}' must be an object.`, field);
  const { tags, spend_logs_metadata: custom } = metadata as Record<string, unknown>;
  if (tags !== undefined && tags !== null) validateTags(tags, `${field}.tags`);
  if (custom !== undefined && custom !== null) {
    const param = `${field}.spend_logs_metadata`;
    if (typeof custom !== 'object' || Array.isArray(custom)) throw new BadRequestError(`'${param}' must be an object.`, param);
    if (JSON.stringify(custom).length > MAX_SPEND_LOGS_METADATA_BYTES) {
      throw new BadRequestError(`'${param}' is larger than ${MAX_SPEND_LOGS_METADATA_BYTES / 1024} KB.`, param);
    }
  }
}

/** Request tags (`metadata.tags` or top-level `tags`): at most 64 strings of at most 256 characters. */
function validateTags(tags: unknown, param: string): void {
  if (!Array.isArray(tags) || tags.some((tag) => typeof tag !== 'string')) throw new BadRequestError(`'${param}' must be an array of strings.`, param);
  if (tags.length > MAX_TAGS) throw new BadRequestError(`'${param}' may hold at most ${MAX_TAGS} tags.`, param);
  if (tags.some((tag: string) => tag.length > MAX_TAG_LENGTH)) throw new BadRequestError(`A tag in '${param}' is longer than ${MAX_TAG_LENGTH} characters.`, param);
}
