import { BadRequestError } from '../common/errors/http-errors';
import { validateLiteLlmFields } from '../gateway/request-validation';

/**
 * The checks the Messages edge itself depends on, with Anthropic's field paths in the messages: a JSON object with
 * a `model`, a non-empty `messages` list of turns with a string `role`, a boolean `stream`, and LiteLLM's fields
 * (`litellm_metadata`, `tags`) as every LLM edge checks them. Providers validate the rest.
 */
export function validateMessagesBody(body: unknown, countTokens = false): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new BadRequestError('Request body must be a JSON object.');
  const request = body as Record<string, unknown>;
  if (typeof request.model !== 'string' || request.model === '') throw new BadRequestError('model: Field required', 'model');
  const messages = request.messages;
  if (!Array.isArray(messages) || messages.length === 0) throw new BadRequestError('messages: Field required (a non-empty list of turns)', 'messages');
  messages.forEach((turn: unknown, i) => {
    const typed = turn as { role?: unknown; content?: unknown } | null;
    if (typeof typed !== 'object' || typed === null || typeof typed.role !== 'string') throw new BadRequestError(`messages.${i}: each turn needs a string 'role'`, `messages.${i}`);
    if (typeof typed.content !== 'string' && !Array.isArray(typed.content))
      throw new BadRequestError(`messages.${i}.content: a string or a list of content blocks`, `messages.${i}.content`);
  });
  if (!countTokens) {
    if (request.stream !== undefined && typeof request.stream !== 'boolean') throw new BadRequestError('stream: Input should be a valid boolean', 'stream');
    if (request.max_tokens !== undefined && (typeof request.max_tokens !== 'number' || !Number.isInteger(request.max_tokens) || request.max_tokens < 1)) {
      throw new BadRequestError('max_tokens: Input should be a positive integer', 'max_tokens');
    }
  }
  if (request.metadata !== undefined && request.metadata !== null && (typeof request.metadata !== 'object' || Array.isArray(request.metadata))) {
    throw new BadRequestError('metadata: Input should be an object', 'metadata');
  }
  validateLiteLlmFields(request, 'litellm_metadata');
  return request;
}
