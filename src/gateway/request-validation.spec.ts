import type { DomainError } from '../common/errors/domain-error';
import { validateLlmBody } from './request-validation';

function errorOf(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (error) {
    return error as DomainError;
  }
  throw new Error('expected a throw');
}

describe(validateLlmBody.name, () => {
  it('should accept a chat body and keep unknown fields', () => {
    const body = { model: 'm', messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, seed: 1 };
    expect(validateLlmBody(body, 'chat')).toEqual(body);
  });

  it('should let the path model win over the body model', () => {
    expect(validateLlmBody({ model: 'body', input: 'x' }, 'embedding', 'path').model).toBe('path');
  });

  it.each([
    [null, 'chat', 'Request body must be a JSON object.'],
    [[1], 'chat', 'Request body must be a JSON object.'],
    [{ model: 'm' }, 'chat', "Missing required parameter: 'messages'."],
    [{ model: 'm', messages: [] }, 'chat', "'messages' must be a non-empty array."],
    [{ model: 'm', messages: ['hi'] }, 'chat', "'messages[0]' must be an object with a string 'role'."],
    [{ model: 'm' }, 'completion', "Missing required parameter: 'prompt'."],
    [{ model: 'm' }, 'embedding', "Missing required parameter: 'input'."],
    [{ model: 'm', input: 'x', stream: 'yes' }, 'embedding', "'stream' must be a boolean."],
    [{ model: 'm', input: 'x', metadata: 'tags' }, 'embedding', "'metadata' must be an object."],
    [{ model: 'm', input: 'x', metadata: { tags: 'a,b' } }, 'embedding', "'metadata.tags' must be an array of strings."],
    [{ model: 'm', input: 'x', metadata: { tags: [1] } }, 'embedding', "'metadata.tags' must be an array of strings."],
    [{ model: 'm', input: 'x', metadata: { tags: Array.from({ length: 65 }, (_, i) => `t${i}`) } }, 'embedding', "'metadata.tags' may hold at most 64 tags."],
    [{ model: 'm', input: 'x', metadata: { spend_logs_metadata: ['x'] } }, 'embedding', "'metadata.spend_logs_metadata' must be an object."],
    [{ model: 'm', input: 'x', metadata: { spend_logs_metadata: { big: 'x'.repeat(17_000) } } }, 'embedding', "'metadata.spend_logs_metadata' is larger than 16 KB."],
    [{ model: 'm', input: 'x', tags: 'a,b' }, 'embedding', "'tags' must be an array of strings."],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tags: ['ok', 2] }, 'chat', "'tags' must be an array of strings."],
    [{ model: 'm', prompt: 'x', tags: Array.from({ length: 65 }, (_, i) => `t${i}`) }, 'completion', "'tags' may hold at most 64 tags."],
    [{ model: 'm', prompt: 'x', tags: ['x'.repeat(257)] }, 'completion', "A tag in 'tags' is longer than 256 characters."],
  ] as const)('should refuse %j for %s with a 400', (body, operation, message) => {
    const error = errorOf(() => validateLlmBody(body, operation));
    expect(error.status).toBe(400);
    expect(error.message).toBe(message);
  });
});
