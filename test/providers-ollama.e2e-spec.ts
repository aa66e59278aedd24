import type OpenAI from 'openai';
import type { APIError } from 'openai';
import { startGateway } from './support/gateway-harness';
import { useProviderGateway } from './support/provider-gateway';
import { ollamaMock } from './support/mock-providers/ollama.mock';

const MASTER_KEY = 'sk-1234';

/** The production article's config (seeds/002), with api_base pointed at the Ollama-speaking mock. */
function articleConfig(apiBase: string): string {
  return `
model_list:
  - model_name: llama3:latest
    litellm_params:
      model: ollama/llama3
      api_base: ${apiBase}
  - model_name: gemma2:latest
    litellm_params:
      model: ollama/gemma2
      api_base: ${apiBase}
  - model_name: mistral:latest
    litellm_params:
      model: ollama/mistral
      api_base: ${apiBase}
  - model_name: llama3-chat
    litellm_params:
      model: ollama_chat/llama3
      api_base: ${apiBase}
  - model_name: llava
    litellm_params: { model: ollama_chat/llava, api_base: ${apiBase} }
  - model_name: nomic-embed-text
    litellm_params: { model: ollama/nomic-embed-text, api_base: ${apiBase} }
    model_info: { mode: embedding }
  - model_name: not-pulled
    litellm_params: { model: ollama/phi3, api_base: ${apiBase} }
  - model_name: crashy
    litellm_params: { model: ollama/crashy, api_base: ${apiBase} }

general_settings:
  master_key: "sk-1234"
`;
}

const LOOKUP_TOOL: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: 'function',
  function: { name: 'lookup', description: 'Looks a word up', parameters: { type: 'object', properties: { input: { type: 'string' } } } },
};

describe("Ollama adapters (e2e): the article's config against an Ollama-speaking mock", () => {
  const env = useProviderGateway([ollamaMock], MASTER_KEY, async (mock) => {
    return startGateway(articleConfig(mock.url));
  });

  it("should list the article's three models", async () => {
    const models = await env.client.models.list();
    expect(models.data.map((model) => model.id)).toEqual(expect.arrayContaining(['llama3:latest', 'gemma2:latest', 'mistral:latest']));
  });

  it.each([
    ['llama3:latest', 'llama3'],
    ['gemma2:latest', 'gemma2'],
    ['mistral:latest', 'mistral'],
  ])('should answer %s through /api/generate', async (modelName, ollamaModel) => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: modelName,
        messages: [
          { role: 'system', content: 'Be nice.' },
          { role: 'user', content: 'Hi there' },
        ],
        temperature: 0.1,
        max_tokens: 50,
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe(`${ollamaModel} says: Hi there (system: Be nice.)`);
    expect(data.choices[0].finish_reason).toBe('stop');
    expect(data.usage?.completion_tokens).toBeGreaterThan(0);
    expect(data.id).toBe(response.headers.get('x-litellm-call-id'));
    const [sent] = env.mock.requests;
    expect(sent.path).toBe('/api/generate');
    expect(sent.body).toEqual({ model: ollamaModel, stream: false, options: { temperature: 0.1, num_predict: 50 }, system: 'Be nice.', prompt: 'Hi there' });
  });

  it('should stream NDJSON as SSE chunks to the openai client, with usage from the last line', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'llama3:latest',
      messages: [{ role: 'user', content: 'tell me a long story now' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('llama3 says: tell me a long story now');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(3);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    expect(chunks[chunks.length - 1].usage?.completion_tokens).toBe(8);
    expect(env.mock.requests[0].body?.stream).toBe(true);
  });

  it('should report a reply cut by max_tokens as finish_reason length', async () => {
    const data = await env.client.chat.completions.create({ model: 'gemma2:latest', messages: [{ role: 'user', content: 'one two three four five' }], max_tokens: 2 });
    expect(data.choices[0].message.content).toBe('gemma2 says: ');
    expect(data.choices[0].finish_reason).toBe('length');
  });

  it('should write a multi-turn conversation for /api/generate as a transcript', async () => {
    await env.client.chat.completions.create({
      model: 'mistral:latest',
      messages: [
        { role: 'user', content: 'Hi' },
        { role: 'assistant', content: 'Hello!' },
        { role: 'user', content: 'How are you?' },
      ],
    });
    expect(env.mock.requests[0].body?.prompt).toBe('### User:\nHi\n\n### Assistant:\nHello!\n\n### User:\nHow are you?\n\n### Assistant:\n');
  });

  it('should answer /completions through /api/generate, streamed too', async () => {
    const data = await env.client.completions.create({ model: 'llama3:latest', prompt: 'Once upon a time' });
    expect(data.choices[0].text).toBe('llama3 says: Once upon a time');
    const stream = await env.client.completions.create({ model: 'llama3:latest', prompt: 'Stream a tale', stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    expect(text).toBe('llama3 says: Stream a tale');
  });

  it('should use /api/chat for ollama_chat/ and round-trip a tool call', async () => {
    const messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Define gateway' }];
    const first = await env.client.chat.completions.create({ model: 'llama3-chat', messages, tools: [LOOKUP_TOOL] });
    const call = first.choices[0].message.tool_calls?.[0];
    expect(first.choices[0].finish_reason).toBe('tool_calls');
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.id).toMatch(/^call_/);
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Define gateway' });
    expect(env.mock.requests[0].path).toBe('/api/chat');

    messages.push(first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: 'a door' });
    const second = await env.client.chat.completions.create({ model: 'llama3-chat', messages, tools: [LOOKUP_TOOL] });
    expect(second.choices[0].message.content).toBe('The tool lookup said: a door');
    const sent = env.mock.requests[1].body?.messages as Record<string, unknown>[];
    expect(sent[1]).toEqual({ role: 'assistant', content: '', tool_calls: [{ function: { name: 'lookup', arguments: { input: 'Define gateway' } } }] });
    expect(sent[2]).toEqual({ role: 'tool', content: 'a door', tool_name: 'lookup' });
  });

  it('should stream an ollama_chat/ tool call the SDK can assemble', async () => {
    const final = await env.client.chat.completions
      .stream({ model: 'llama3-chat', messages: [{ role: 'user', content: 'Define proxy' }], tools: [LOOKUP_TOOL] })
      .finalChatCompletion();
    const call = final.choices[0].message.tool_calls?.[0];
    if (call?.type !== 'function') throw new Error('expected a function call');
    expect(call.function.name).toBe('lookup');
    expect(JSON.parse(call.function.arguments)).toEqual({ input: 'Define proxy' });
    expect(final.choices[0].finish_reason).toBe('tool_calls');
  });

  it('should send images to /api/chat as base64 and refuse image links', async () => {
    const data = await env.client.chat.completions.create({
      model: 'llava',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is it?' },
            { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } },
          ],
        },
      ],
    });
    expect(data.choices[0].message.content).toBe('llava chat: What is it? [1 image(s)]');
    expect((env.mock.requests[0].body?.messages as { images?: string[] }[])[0].images).toEqual(['/9j/4AAQ']);
    const refused = (await env.client.chat.completions
      .create({ model: 'llava', messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'http://169.254.169.254/latest' } }] }] })
      .catch((e: unknown) => e)) as APIError;
    expect(refused.status).toBe(400);
    expect(env.mock.requests).toHaveLength(1);
  });

  it('should embed through /api/embed in the OpenAI format', async () => {
    const data = await env.client.embeddings.create({ model: 'nomic-embed-text', input: ['first', 'second text'], encoding_format: 'float' });
    expect(data.data).toHaveLength(2);
    expect(data.data[1].index).toBe(1);
    expect(data.data[0].embedding).toHaveLength(8);
    expect(data.usage.prompt_tokens).toBe(5); // ceil(5/4) + ceil(11/4), as the mock counts
    expect(env.mock.requests[0].path).toBe('/api/embed');
  });

  it('should map a model that is not pulled to a 404 NotFoundError', async () => {
    const error = (await env.client.chat.completions.create({ model: 'not-pulled', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(404);
    expect(error.message).toContain('litellm.NotFoundError: OllamaException - model "phi3" not found');
  });

  it('should end a stream with an error event when Ollama reports an error line', async () => {
    const response = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'crashy', messages: [{ role: 'user', content: 'hi there friend' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('"content":"crashy "');
    expect(text).toContain('OllamaException - an error was encountered while running the model');
    expect(text).not.toContain('[DONE]');
  });
});
