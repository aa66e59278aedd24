import type OpenAI from 'openai';
import type { APIError } from 'openai';
import { AzureOpenAI, toFile } from 'openai';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { startGateway } from './support/gateway-harness';
import { anthropicMock } from './support/mock-providers/anthropic.mock';
import { COHERE_TEST_KEY, cohereMock } from './support/mock-providers/cohere.mock';
import { useProviderGateway } from './support/provider-gateway';
import { AZURE_MEDIA_TEST_KEY, OPENAI_MEDIA_TEST_KEY, openAiMediaMock } from './support/mock-providers/openai-media.mock';

const MASTER_KEY = 'sk-e2e-master';
/** 64 KB: small enough for a test upload to cross it, large enough for every JSON call here. */
const MAX_REQUEST_MB = 0.0625;

interface SpendRow {
  request_id: string;
  call_type: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
  model_group: string;
  status?: string;
}

describe('Images, audio, moderations, rerank and files through the router (e2e, openai SDK)', () => {
  const env = useProviderGateway([openAiMediaMock(), cohereMock, anthropicMock], MASTER_KEY, async (mock) => {
    const openAi = (name: string, model: string, info = ''): string =>
      `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${mock.url}/v1, api_key: os.environ/E2E_OPENAI_KEY }\n${info}`;
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
  max_request_size_mb: ${MAX_REQUEST_MB}
model_list:
${openAi('gpt-image-1', 'gpt-image-1', '    model_info: { mode: image_generation }\n')}${openAi('dall-e-3', 'dall-e-3', '    model_info: { mode: image_generation }\n')}${openAi('tts-1', 'tts-1', '    model_info: { mode: audio_speech }\n')}${openAi('whisper-1', 'whisper-1', '    model_info: { mode: audio_transcription }\n')}${openAi('text-moderation-latest', 'text-moderation-latest')}  - model_name: azure-images
    litellm_params: { model: azure/my-dalle, api_base: ${mock.url}, api_key: os.environ/E2E_AZURE_KEY, api_version: "2024-10-21" }
  - model_name: instruct
    litellm_params: { model: text-completion-openai/gpt-3.5-turbo-instruct, api_base: ${mock.url}/v1, api_key: os.environ/E2E_OPENAI_KEY }
  - model_name: rerank-english
    litellm_params: { model: cohere/rerank-english-v3.0, api_base: ${mock.url}, api_key: os.environ/E2E_COHERE_KEY }
    model_info: { mode: rerank }
  - model_name: claude
    litellm_params: { model: anthropic/claude-3-haiku-20240307, api_base: ${mock.url}, api_key: sk-ant-unused }
`;
    return startGateway(yaml, { env: { E2E_OPENAI_KEY: OPENAI_MEDIA_TEST_KEY, E2E_AZURE_KEY: AZURE_MEDIA_TEST_KEY, E2E_COHERE_KEY: COHERE_TEST_KEY } });
  });

  async function spendRow(requestId: string | null): Promise<SpendRow> {
    await env.gateway.app.get(SpendLedgerService).flush();
    const rows = (await env.gateway.app.get(DataSource).query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as SpendRow[];
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  it('should generate images, charging the token usage gpt-image-1 reports', async () => {
    const { data, response } = await env.client.images.generate({ model: 'gpt-image-1', prompt: 'a lighthouse at dusk', n: 2 }).withResponse();
    expect(data.data).toHaveLength(2);
    expect(Buffer.from(data.data?.[0].b64_json ?? '', 'base64').toString()).toBe('image 0 of a lighthouse at dusk');
    expect(env.mock.requests[0].path).toBe('/v1/images/generations');
    expect(env.mock.requests[0].body).toEqual({ model: 'gpt-image-1', prompt: 'a lighthouse at dusk', n: 2 });
    const row = await spendRow(response.headers.get('x-litellm-call-id'));
    expect(row.call_type).toBe('aimage_generation');
    expect(row.model_group).toBe('gpt-image-1');
    expect(row.completion_tokens).toBe(2112);
  });

  it('should serve Azure image deployments on the Azure path', async () => {
    const azure = new AzureOpenAI({ apiKey: MASTER_KEY, endpoint: env.gateway.url, apiVersion: '2024-10-21', deployment: 'azure-images', maxRetries: 0 });
    const data = await azure.images.generate({ model: 'azure-images', prompt: 'a fox' });
    expect(data.data?.[0].revised_prompt).toBe('A picture of a fox');
    expect(env.mock.requests[0].path).toBe('/openai/deployments/my-dalle/images/generations?api-version=2024-10-21');
    expect(env.mock.requests[0].headers['api-key']).toBe(AZURE_MEDIA_TEST_KEY);
  });

  it('should use Azure’s resource-level files path with its api-version and a query', async () => {
    const response = await fetch(`${env.gateway.url}/v1/files?model=azure-images&purpose=batch`, { headers: { authorization: `Bearer ${MASTER_KEY}` } });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe('list');
    expect(env.mock.requests[0].path).toBe('/openai/files?api-version=2024-10-21&purpose=batch');
  });

  it('should relay synthesised speech as audio bytes', async () => {
    const response = await env.client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'Hello there' });
    expect(response.headers.get('content-type')).toBe('audio/mpeg');
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(bytes.subarray(0, 7)).toEqual(Buffer.concat([Buffer.from('ID3'), Buffer.from([0, 1, 2, 255])]));
    expect(bytes.subarray(7).toString()).toBe('alloy:Hello there');
    expect((await spendRow(response.headers.get('x-litellm-call-id'))).call_type).toBe('aspeech');
  });

  it('should forward a multipart transcription upload with the deployment’s model', async () => {
    const audio = Buffer.alloc(20_000, 7);
    const data = await env.client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(audio, 'meeting.wav', { type: 'audio/wav' }), language: 'en' });
    expect(data.text).toBe('Transcribed 20000 bytes of meeting.wav (audio/wav) with whisper-1, language en');
    const text = await env.client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(audio, 'meeting.wav', { type: 'audio/wav' }), response_format: 'text' });
    expect(text).toContain('Transcribed 20000 bytes');
  });

  it('should refuse an upload over max_request_size_mb before it reaches the provider', async () => {
    const error = (await env.client.audio.transcriptions
      .create({ model: 'whisper-1', file: await toFile(Buffer.alloc(200_000, 1), 'long.wav', { type: 'audio/wav' }) })
      .catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain('Request size is too large');
    expect(env.mock.requests).toHaveLength(0);
  });

  it('should moderate with or without a model', async () => {
    const flagged = await env.client.moderations.create({ input: 'I will attack the castle' } as OpenAI.ModerationCreateParams);
    expect(flagged.results[0].flagged).toBe(true);
    expect(env.mock.requests[0].body?.model).toBe('text-moderation-latest');
    const clean = await env.client.moderations.create({ model: 'text-moderation-latest', input: ['hello', 'kill'] });
    expect(clean.results.map((result) => result.flagged)).toEqual([false, true]);
  });

  it('should rerank through Cohere, returning documents when asked, with search units on the spend row', async () => {
    const response = await fetch(`${env.gateway.url}/v1/rerank`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'rerank-english',
        query: 'capital of france',
        documents: ['Berlin is in Germany', 'Paris is the capital of France', { text: 'France has wine' }],
        top_n: 2,
        return_documents: true,
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { index: number; document?: { text: string } }[]; meta: { billed_units: { search_units: number } } };
    expect(body.results.map((result) => result.index)).toEqual([1, 2]);
    expect(body.results[0].document).toEqual({ text: 'Paris is the capital of France' });
    expect(body.meta.billed_units.search_units).toBe(1);
    expect(env.mock.requests[0].body?.documents).toEqual(['Berlin is in Germany', 'Paris is the capital of France', 'France has wine']);
    expect((await spendRow(response.headers.get('x-litellm-call-id'))).call_type).toBe('arerank');
    for (const path of ['/rerank', '/v2/rerank']) {
      const other = await fetch(`${env.gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'rerank-english', query: 'france', documents: ['a', 'France'] }),
      });
      expect(((await other.json()) as { results: { index: number }[] }).results[0].index).toBe(1);
    }
    const unauthenticated = await fetch(`${env.gateway.url}/v1/rerank`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(unauthenticated.status).toBe(401);
  });

  it('should upload, list, read, download and delete files', async () => {
    const created = await env.client.files.create({ file: await toFile(Buffer.from('{"custom_id":"1"}\n'), 'batch.jsonl'), purpose: 'batch' });
    expect(created.filename).toBe('batch.jsonl');
    expect(created.bytes).toBe(18);
    expect((await env.client.files.retrieve(created.id)).purpose).toBe('batch');
    expect((await env.client.files.list({ purpose: 'batch' })).data.map((file) => file.id)).toContain(created.id);
    expect(env.mock.requests[env.mock.requests.length - 1].path).toBe('/v1/files?purpose=batch');
    expect(await (await env.client.files.content(created.id)).text()).toBe('{"custom_id":"1"}\n');
    expect((await env.client.files.delete(created.id)).deleted).toBe(true);
    const missing = (await env.client.files.retrieve(created.id).catch((e: unknown) => e)) as APIError;
    expect(missing.status).toBe(404);
  });

  it('should answer chat through /completions for text-completion-openai, streamed too', async () => {
    const data = await env.client.chat.completions.create({ model: 'instruct', messages: [{ role: 'user', content: 'Say hi' }] });
    expect(data.choices[0].message.content).toBe('Instruct reply to: Say hi');
    expect(env.mock.requests[0].path).toBe('/v1/completions');
    const stream = await env.client.chat.completions.create({
      model: 'instruct',
      messages: [{ role: 'user', content: 'Stream hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Instruct reply to: Stream hi');
    expect(chunks[chunks.length - 1].usage?.total_tokens).toBeGreaterThan(0);
  });

  it('should refuse an operation the model’s provider does not offer, and leave a failure row', async () => {
    const error = (await env.client.images.generate({ model: 'claude', prompt: 'x' }).catch((e: unknown) => e)) as APIError;
    expect(error.status).toBe(400);
    expect(error.message).toContain('model=claude does not support image generation');
    expect(env.mock.requests).toHaveLength(0);
    const row = await spendRow(error.headers?.get('x-litellm-call-id') ?? null);
    expect(row.call_type).toBe('aimage_generation');
    expect(row.spend).toBe(0);
  });
});
