import type OpenAI from 'openai';
import type { APIError } from 'openai';
import { startGateway } from './support/gateway-harness';
import { GEMINI_TEST_KEY, geminiMock } from './support/mock-providers/gemini.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';

const SEARCH_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: {
    name: 'search_docs',
    description: 'Searches the docs',
    parameters: { type: 'object', properties: { input: { type: 'string' } }, required: ['input'], additionalProperties: false },
    strict: true,
  },
};

describe('Gemini adapter (e2e, openai SDK → gateway → Gemini-speaking mock)', () => {
  const env = useProviderGateway([geminiMock], MASTER_KEY, async (mock) => {
    const entry = (name: string, model: string, key = 'os.environ/E2E_GEMINI_KEY', info = ''): string =>
      `  - model_name: ${name}\n    litellm_params: { model: gemini/${model}, api_base: ${mock.url}, api_key: ${key} }\n${info}`;
    const yaml = `general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n${entry('gemini-flash', 'gemini-1.5-flash')}${entry('gemini-too-long', 'gemini-too-long')}${entry('gemini-blocked', 'gemini-blocked')}${entry('gemini-bad-key', 'gemini-1.5-flash', 'AIza-wrong')}${entry('gemini-embed', 'text-embedding-004', 'os.environ/E2E_GEMINI_KEY', '    model_info: { mode: embedding }\n')}`;
    return startGateway(yaml, { env: { E2E_GEMINI_KEY: GEMINI_TEST_KEY } });
  });

  it('should call generateContent with the key in a header and translate the answer', async () => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'gemini-flash',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Hello Gemini' },
        ],
        temperature: 0.5,
        n: 2,
      })
      .withResponse();
    expect(data.choices).toHaveLength(2);
    expect(data.choices[1].message.content).toBe('Gemini echo: Hello Gemini (system: Be terse.)');
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage?.prompt_tokens).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBeGreaterThan(0);
    const [sent] = env.mock.requests;
    expect(sent.path).toBe('/v1beta/models/gemini-1.5-flash:generateContent');
    expect(sent.headers['x-goog-api-key']).toBe(GEMINI_TEST_KEY);
    expect(sent.path).not.toContain('key=');
    expect(sent.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello Gemini' }] }],
      systemInstruction: { parts: [{ text: 'Be terse.' }] },
      generationConfig: { temperature: 0.5, candidateCount: 2 },
    });
  });

  it('should stream streamGenerateContent (SSE) to the openai client with usage at the end', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'gemini-flash',
      messages: [{ role: 'user', content: 'stream these words to me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Gemini echo: stream these words to me');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(3);
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBeGreaterThan(0);
    expect(env.mock.requests[0].path).toBe('/v1beta/models/gemini-1.5-flash:streamGenerateContent?alt=sse');
  });

  it('should round-trip a tool call: functionCall out, functionResponse back in', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'How do I rotate keys?' }];
    const first = await env.client.chat.completions.create({
      model: 'gemini-flash',
      messages,
      tools: [SEARCH_TOOL],
      tool_choice: { type: 'function', function: { name: 'search_docs' } },
    });
    const call = first.choices[0].message.tool_calls?.[0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('search_docs');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'How do I rotate keys?' });
    expect(env.mock.requests[0].body?.toolConfig).toEqual({ functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['search_docs'] } });

    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'POST /key/regenerate' });
    const second = await env.client.chat.completions.create({ model: 'gemini-flash', messages, tools: [SEARCH_TOOL] });
    expect(second.choices[0].message.content).toBe('The function search_docs returned: {"content":"POST /key/regenerate"}');
    const contents = env.mock.requests[1].body?.contents as { role: string }[];
    expect(contents.map((content) => content.role)).toEqual(['user', 'model', 'user']);
  });

  it('should stream a function call the SDK can assemble', async () => {
    const final = await env.client.chat.completions
      .stream({ model: 'gemini-flash', messages: [{ role: 'user', content: 'Find budgets' }], tools: [SEARCH_TOOL] })
      .finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Find budgets' });
    expect(final.choices[0].finish_reason).toBe('tool_calls');
  });

  it('should send inline images as inlineData', async () => {
    const data = await env.client.chat.completions.create({
      model: 'gemini-flash',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe' },
            { type: 'image_url', image_url: { url: 'data:image/webp;base64,UklGRg==' } },
          ],
        },
      ],
    });
    expect(data.choices[0].message.content).toBe('Gemini echo: Describe [1 media part(s)]');
    expect((env.mock.requests[0].body?.contents as { parts: unknown[] }[])[0].parts[1]).toEqual({ inlineData: { mimeType: 'image/webp', data: 'UklGRg==' } });
  });

  it('should embed through batchEmbedContents', async () => {
    const data = await env.client.embeddings.create({ model: 'gemini-embed', input: ['alpha', 'beta'], dimensions: 4, encoding_format: 'float' });
    expect(data.data.map((item) => item.embedding.length)).toEqual([4, 4]);
    expect(data.usage.prompt_tokens).toBe(3); // estimated: ceil(5/4) + ceil(4/4)
    expect(env.mock.requests[0].path).toBe('/v1beta/models/text-embedding-004:batchEmbedContents');
  });

  it('should answer a blocked prompt with finish_reason content_filter', async () => {
    const data = await env.client.chat.completions.create({ model: 'gemini-blocked', messages: [{ role: 'user', content: 'something unsafe' }] });
    expect(data.choices[0].finish_reason).toBe('content_filter');
    expect(data.choices[0].message.content).toBe('');
  });

  it('should map token overflow to ContextWindowExceededError and a bad key to 401', async () => {
    const tooLong = (await env.client.chat.completions.create({ model: 'gemini-too-long', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(tooLong.status).toBe(400);
    expect(tooLong.message).toContain('litellm.ContextWindowExceededError: GeminiException - The input token');
    const badKey = (await env.client.chat.completions.create({ model: 'gemini-bad-key', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(badKey.status).toBe(401);
    expect(badKey.message).toContain('litellm.AuthenticationError: GeminiException - API key not valid');
  });
});
