import type OpenAI from 'openai';
import type { APIError } from 'openai';
import { startGateway } from './support/gateway-harness';
import { BEDROCK_TEST_CREDENTIALS, BEDROCK_TEST_REGION, bedrockMock } from './support/mock-providers/bedrock.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';
const MODEL_ID = 'anthropic.claude-3-haiku-20240307-v1:0';

const TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'get_stock', description: 'Stock level', parameters: { type: 'object', properties: { input: { type: 'string' } } } },
};

describe('Bedrock Converse adapter (e2e, openai SDK → gateway → SigV4-checking Bedrock mock)', () => {
  const env = useProviderGateway([bedrockMock], MASTER_KEY, async (mock) => {
    // The adapter must never try the EC2 metadata service, whatever the environment says.
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const creds = `aws_access_key_id: os.environ/E2E_AWS_KEY_ID, aws_secret_access_key: os.environ/E2E_AWS_SECRET, aws_region_name: ${BEDROCK_TEST_REGION}`;
    const entry = (name: string, model: string, extra = creds): string =>
      `  - model_name: ${name}\n    litellm_params: { model: bedrock/${model}, api_base: ${mock.url}, ${extra} }\n`;
    const yaml = `general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n${entry('haiku', MODEL_ID)}${entry('haiku-converse', `converse/${MODEL_ID}`)}${entry('too-long', 'mock.too-long')}${entry('throttled', 'mock.throttled')}${entry('stream-throttle', 'mock.stream-throttle')}${entry('wrong-region', MODEL_ID, creds.replace(BEDROCK_TEST_REGION, 'eu-west-1'))}${entry('no-credentials', MODEL_ID, `aws_region_name: ${BEDROCK_TEST_REGION}`)}${entry('titan-embed', 'amazon.titan-embed-text-v2:0')}${entry('cohere-embed-bedrock', 'cohere.embed-english-v3')}${entry('wrong-secret', MODEL_ID, creds.replace('os.environ/E2E_AWS_SECRET', 'not-the-secret'))}`;
    return startGateway(yaml, { env: { E2E_AWS_KEY_ID: BEDROCK_TEST_CREDENTIALS.accessKeyId, E2E_AWS_SECRET: BEDROCK_TEST_CREDENTIALS.secretAccessKey } });
  });

  it('should sign a Converse call that the mock verifies, and translate both ways', async () => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'haiku',
        messages: [
          { role: 'system', content: 'Short answers.' },
          { role: 'user', content: 'Hello Bedrock' },
        ],
        max_tokens: 64,
        temperature: 0,
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe(`Bedrock ${MODEL_ID} echo: Hello Bedrock (system: Short answers.)`);
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);
    const [sent] = env.mock.requests;
    expect(sent.path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse`);
    expect(sent.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${BEDROCK_TEST_CREDENTIALS.accessKeyId}/\\d{8}/${BEDROCK_TEST_REGION}/bedrock/aws4_request`),
    );
    expect(JSON.stringify(sent.headers)).not.toContain(BEDROCK_TEST_CREDENTIALS.secretAccessKey);
    expect(sent.body).toEqual({
      messages: [{ role: 'user', content: [{ text: 'Hello Bedrock' }] }],
      system: [{ text: 'Short answers.' }],
      inferenceConfig: { maxTokens: 64, temperature: 0 },
    });
  });

  it('should accept LiteLLM’s bedrock/converse/<model> form', async () => {
    const data = await env.client.chat.completions.create({ model: 'haiku-converse', messages: [{ role: 'user', content: 'hi' }] });
    expect(data.choices[0].message.content).toBe(`Bedrock ${MODEL_ID} echo: hi`);
  });

  it('should stream ConverseStream (AWS event-stream frames) to the openai client', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'haiku',
      messages: [{ role: 'user', content: 'stream several words back please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(`Bedrock ${MODEL_ID} echo: stream several words back please`);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBeGreaterThan(0);
    expect(env.mock.requests[0].path).toBe(`/model/${encodeURIComponent(MODEL_ID)}/converse-stream`);
  });

  it('should round-trip a tool call through toolUse and toolResult, streamed and not', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Stock of bolts?' }];
    const first = await env.client.chat.completions.create({ model: 'haiku', messages, tools: [TOOL], tool_choice: 'required' });
    const call = first.choices[0].message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Stock of bolts?' });
    expect((env.mock.requests[0].body?.toolConfig as { toolChoice: unknown }).toolChoice).toEqual({ any: {} });
    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '42 boxes' });
    const second = await env.client.chat.completions.create({ model: 'haiku', messages, tools: [TOOL] });
    expect(second.choices[0].message.content).toBe('The tool returned: 42 boxes');

    const streamed = await env.client.chat.completions.stream({ model: 'haiku', messages: [{ role: 'user', content: 'Stock of nuts?' }], tools: [TOOL] }).finalChatCompletion();
    const streamedCall = streamed.choices[0].message.tool_calls?.[0];
    if (streamedCall?.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(streamedCall.function.arguments)).toEqual({ input: 'Stock of nuts?' });
  });

  it('should embed with Titan (one signed InvokeModel per text) and Cohere on Bedrock', async () => {
    const titan = await env.client.embeddings.create({ model: 'titan-embed', input: ['first text', 'second'], dimensions: 3, encoding_format: 'float' });
    expect(titan.data.map((item) => item.embedding.length)).toEqual([3, 3]);
    expect(titan.usage.prompt_tokens).toBe(5);
    expect(env.mock.requests.map((request) => request.path)).toEqual([
      `/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`,
      `/model/${encodeURIComponent('amazon.titan-embed-text-v2:0')}/invoke`,
    ]);
    const cohere = await env.client.embeddings.create({ model: 'cohere-embed-bedrock', input: ['abc'], encoding_format: 'float' });
    expect(cohere.data[0].embedding).toEqual([3, 1, 2]);
    expect(env.mock.requests[2].body).toEqual({ texts: ['abc'], input_type: 'search_document' });
  });

  it('should map Bedrock errors: context window, throttling, a signature for the wrong region or with the wrong secret, no credentials', async () => {
    const call = (model: string): Promise<APIError> =>
      env.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e as APIError) as Promise<APIError>;
    const tooLong = await call('too-long');
    expect(tooLong.status).toBe(400);
    expect(tooLong.message).toContain('litellm.ContextWindowExceededError: BedrockException - Input is too long for requested model.');
    const throttled = await call('throttled');
    expect(throttled.status).toBe(429);
    expect(throttled.message).toContain('RateLimitError');
    const wrongRegion = await call('wrong-region');
    expect(wrongRegion.status).toBe(403);
    expect(wrongRegion.message).toContain('AuthenticationError: BedrockException - Credential should be scoped');
    const wrongSecret = await call('wrong-secret');
    expect(wrongSecret.status).toBe(403);
    expect(wrongSecret.message).toContain('signature we calculated does not match');
    const before = env.mock.requests.length;
    const noCredentials = await call('no-credentials');
    expect(noCredentials.status).toBe(401);
    expect(noCredentials.message).toContain('no AWS credentials');
    expect(env.mock.requests.length).toBe(before);
  });

  it('should end a stream with an error event on an exception frame', async () => {
    const response = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'stream-throttle', messages: [{ role: 'user', content: 'go on then' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('echo:');
    expect(text).toContain('RateLimitError: BedrockException - Too many tokens');
    expect(text).not.toContain('[DONE]');
  });
});
