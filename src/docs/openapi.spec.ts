import { operationIdOf } from './openapi';

describe('operationIdOf', () => {
  it('should derive a camelCase id from the method and every path segment', () => {
    expect(operationIdOf('POST', '/v1/chat/completions')).toBe('postV1ChatCompletions');
    expect(operationIdOf('POST', '/chat/completions')).toBe('postChatCompletions');
    expect(operationIdOf('GET', '/model_group/info')).toBe('getModelGroupInfo');
    expect(operationIdOf('POST', '/global/spend/end_users')).toBe('postGlobalSpendEndUsers');
  });

  it('should name path parameters with By, in Nest and OpenAPI spelling alike', () => {
    expect(operationIdOf('POST', '/key/{key}/regenerate')).toBe('postKeyByKeyRegenerate');
    expect(operationIdOf('POST', '/key/:key/regenerate')).toBe('postKeyByKeyRegenerate');
    expect(operationIdOf('GET', '/v1/files/{fileId}/content')).toBe('getV1FilesByFileIdContent');
    expect(operationIdOf('DELETE', '/openai/deployments/{model}/chat/completions')).toBe('deleteOpenaiDeploymentsByModelChatCompletions');
  });

  it('should give the root and dotted names an id of letters and digits only', () => {
    expect(operationIdOf('GET', '/')).toBe('get');
    expect(operationIdOf('GET', '/robots.txt')).toBe('getRobotsTxt');
  });
});
