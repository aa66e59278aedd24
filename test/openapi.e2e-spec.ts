import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { type CatalogedRoute, isManagement, lintSpec, type OpenApiDocument, operationsOf, successSchemas, untypedSchemas } from './support/openapi';

const MASTER_KEY = 'sk-openapi-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
litellm_settings:
  store_audit_logs: true
`;

/** The spec the gateway serves, checked as a contract: every management route typed, clean ids, a clean lint. */
describe('OpenAPI document (e2e)', () => {
  let gateway: TestGateway;
  let spec: OpenApiDocument;
  let routes: CatalogedRoute[];

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    spec = (await (await fetch(`${gateway.url}/openapi.json`)).json()) as OpenApiDocument;
    routes = ((await (await fetch(`${gateway.url}/routes`)).json()) as { routes: CatalogedRoute[] }).routes;
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should document a success response with a schema for every operation of a management route', () => {
    const management = routes.filter(isManagement).flatMap((route) => route.methods.map((method) => `${method.toLowerCase()} ${route.path}`));
    const operations = new Map(operationsOf(spec).map(({ method, path, operation }) => [`${method} ${path}`, operation]));
    expect(management.length).toBeGreaterThan(70);
    // A management route missing from the spec is a failure too (hidden with @ApiExcludeEndpoint, say).
    expect(management.filter((route) => !operations.has(route))).toEqual([]);
    const untyped = management.filter((route) => successSchemas(operations.get(route)!).length === 0);
    expect(untyped).toEqual([]);
  });

  it('should document the error envelope, as JSON, on every operation', () => {
    const without = operationsOf(spec)
      .filter(
        ({ operation }) =>
          operation.responses?.['4XX']?.content?.['application/json']?.schema?.$ref !== '#/components/schemas/ErrorEnvelopeDto' ||
          Object.keys(operation.responses['4XX'].content ?? {}).length !== 1,
      )
      .map(({ method, path }) => `${method} ${path}`);
    expect(without).toEqual([]);
  });

  it('should type every schema: no property, item or body the contract leaves as "any"', () => {
    expect(untypedSchemas(spec)).toEqual([]);
  });

  it('should give every operation a unique, bracket-free operation id', () => {
    const ids = operationsOf(spec).map(({ method, path, operation }) => ({ route: `${method} ${path}`, id: operation.operationId ?? '' }));
    expect(ids.filter(({ id }) => !/^[A-Za-z][A-Za-z0-9_]*$/.test(id))).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates = ids.filter(({ route, id }) => {
      const first = seen.get(id);
      seen.set(id, first ?? route);
      return first !== undefined;
    });
    expect(duplicates).toEqual([]);
    // Derived from method and path, so a client generated from the spec keeps its method names.
    expect(spec.paths['/v1/chat/completions'].post.operationId).toBe('postV1ChatCompletions');
    expect(spec.paths['/chat/completions'].post.operationId).toBe('postChatCompletions');
    expect(spec.paths['/key/{key}/regenerate'].post.operationId).toBe('postKeyByKeyRegenerate');
  });

  it('should pass redocly lint (recommended-strict, redocly.yaml) with no problem', () => {
    const report = lintSpec(spec);
    const problems = report.problems.map((problem) => `${problem.severity} ${problem.ruleId} ${problem.location[0]?.pointer ?? ''}: ${problem.message}`);
    expect(problems).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  });

  it('should document the LLM request fields of OpenAI and LiteLLM', () => {
    const chat = spec.components?.schemas?.ChatCompletionRequestDto as { properties: Record<string, unknown>; required: string[] };
    for (const field of [
      'tools',
      'tool_choice',
      'response_format',
      'n',
      'stop',
      'seed',
      'logprobs',
      'top_logprobs',
      'presence_penalty',
      'frequency_penalty',
      'logit_bias',
      'parallel_tool_calls',
      'max_completion_tokens',
      'stream_options',
      'user',
      'metadata',
      'fallbacks',
      'num_retries',
      'guardrails',
      'tags',
    ]) {
      expect({ field, documented: field in chat.properties }).toEqual({ field, documented: true });
    }
    expect(chat.required).toEqual(['model', 'messages']);
  });
});
