import OpenAI from 'openai';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startMockUpstreamProcess, type MockUpstreamProcess } from './support/mock-upstream.process';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from './support/otlp-receiver';

const MASTER_KEY = 'sk-otel-master';
const CLIENT_TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const CLIENT_SPAN_ID = '00f067aa0ba902b7';
const PROMPT = 'the secret plan for the otel test';

const config = (upstream: MockUpstreamProcess): string => `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-4o
    litellm_params: { model: openai/gpt-4o, api_base: "${upstream.baseUrl}", api_key: sk-upstream }
  - model_name: broken
    litellm_params: { model: openai/gpt-4o, api_base: "http://127.0.0.1:9/v1", api_key: sk-upstream }
router_settings:
  num_retries: 0
  fallbacks: [{ broken: [gpt-4o] }]
litellm_settings:
  callbacks: ["otel", "hide_secrets"]
`;

/** OpenTelemetry traces over OTLP/HTTP to a receiver the test runs, with the client's and the provider's trace joined. */
describe('OpenTelemetry traces (e2e, callbacks: ["otel"])', () => {
  let receiver: OtlpReceiver;
  let upstream: MockUpstreamProcess;

  beforeAll(async () => {
    [receiver, upstream] = await Promise.all([startOtlpReceiver(), startMockUpstreamProcess()]);
  });

  afterAll(async () => {
    await Promise.all([receiver?.close(), upstream?.close()]);
  });

  const childrenOf = (parent: ReceivedSpan): ReceivedSpan[] => receiver.spans.filter((span) => span.parentSpanId === parent.spanId);

  describe('default settings', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(config(upstream), {
        env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: receiver.tracesUrl, OTEL_EXPORTER_OTLP_HEADERS: 'x-collector-token=tok%20123', OTEL_SERVICE_NAME: 'acme-gateway' },
      });
    });

    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should trace a call as a child of the client's span, with stages and the attempt as children, and hand the attempt's context to the provider", async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, defaultHeaders: { traceparent: `00-${CLIENT_TRACE_ID}-${CLIENT_SPAN_ID}-01` } });
      const { data, response } = await client.chat.completions
        .create({ model: 'gpt-4o', messages: [{ role: 'user', content: PROMPT }], max_tokens: 50, temperature: 0.2 })
        .withResponse();
      const callId = response.headers.get('x-litellm-call-id');
      await receiver.waitFor((spans) => spans.some((span) => span.attributes['tollgate.call_id'] === callId) && spans.some((span) => span.name === 'tollgate.spend.record'));

      const root = receiver.spans.find((span) => span.attributes['tollgate.call_id'] === callId)!;
      expect(root).toMatchObject({ traceId: CLIENT_TRACE_ID, parentSpanId: CLIENT_SPAN_ID, name: 'chat gpt-4o', kind: 2, serviceName: 'acme-gateway', statusCode: 0 });
      expect(root.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.request.model': 'gpt-4o',
        'gen_ai.request.max_tokens': 50,
        'gen_ai.request.temperature': 0.2,
        'gen_ai.response.model': 'gpt-4o',
        'gen_ai.provider.name': 'openai',
        'gen_ai.usage.input_tokens': data.usage!.prompt_tokens,
        'gen_ai.usage.output_tokens': data.usage!.completion_tokens,
        'http.response.status_code': 200,
      });
      const children = childrenOf(root);
      expect(children.map((span) => span.name).sort()).toEqual([
        'chat gpt-4o',
        'tollgate.admission',
        'tollgate.guardrails.post_call',
        'tollgate.guardrails.pre_call',
        'tollgate.spend.record',
      ]);
      const attempt = children.find((span) => span.kind === 3)!;
      expect(attempt.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'server.address': '127.0.0.1', 'tollgate.attempt': 1, 'tollgate.model_group': 'gpt-4o' });
      expect(children.every((span) => span.traceId === CLIENT_TRACE_ID)).toBe(true);

      const received = (await upstream.requests()).filter((request) => request.path.endsWith('/chat/completions')).at(-1)!;
      expect(received.headers.traceparent).toBe(`00-${CLIENT_TRACE_ID}-${attempt.spanId}-01`);
      expect(receiver.headers.at(-1)!['x-collector-token']).toBe('tok 123');
    });

    it('should give each attempt its own span, the failed one marked as an error, and keep prompts out of spans', async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1` });
      const { response } = await client.chat.completions.create({ model: 'broken', messages: [{ role: 'user', content: PROMPT }] }).withResponse();
      const callId = response.headers.get('x-litellm-call-id');
      await receiver.waitFor((spans) => spans.some((span) => span.attributes['tollgate.call_id'] === callId));
      const root = receiver.spans.find((span) => span.attributes['tollgate.call_id'] === callId)!;
      await receiver.waitFor(() => childrenOf(root).filter((span) => span.kind === 3).length === 2);
      expect(root.parentSpanId).toBeUndefined();
      const attempts = childrenOf(root)
        .filter((span) => span.kind === 3)
        .sort((a, b) => Number(a.attributes['tollgate.attempt']) - Number(b.attributes['tollgate.attempt']));
      expect(attempts.map((span) => [span.attributes['tollgate.model_group'], span.statusCode])).toEqual([
        ['broken', 2],
        ['gpt-4o', 0],
      ]);
      expect(attempts[0].attributes['error.type']).toEqual(expect.any(String));
      expect(receiver.bodies.join('\n')).not.toContain(PROMPT);
      expect(receiver.bodies.join('\n')).not.toContain('sk-upstream');
    });
  });

  describe('with OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true', () => {
    let gateway: TestGateway;

    beforeAll(async () => {
      gateway = await startGateway(config(upstream), {
        env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.tracesUrl.replace('/v1/traces', ''), OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'true' },
      });
    });

    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should put the prompt on the call span', async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1` });
      const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'capture me please' }] }).withResponse();
      const callId = response.headers.get('x-litellm-call-id');
      await receiver.waitFor((spans) => spans.some((span) => span.attributes['tollgate.call_id'] === callId));
      const root = receiver.spans.find((span) => span.attributes['tollgate.call_id'] === callId)!;
      expect(JSON.parse(String(root.attributes['gen_ai.input.messages']))).toEqual([{ role: 'user', content: 'capture me please' }]);
      expect(root.serviceName).toBe('tollgate');
    });
  });
});
