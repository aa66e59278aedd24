import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { APIError } from 'openai';
import type OpenAI from 'openai';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { startGateway } from './support/gateway-harness';
import type { MockProviderServer } from './support/mock-providers/mock-provider-server';
import { testServiceAccount, vertexMock } from './support/mock-providers/vertex.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';
const PROJECT = 'tollgate-e2e';
const LOCATION = 'europe-west4';
const CLAUDE = 'claude-3-5-sonnet@20240620';

const FILE_ACCOUNT = testServiceAccount('gateway@tollgate-e2e.iam.gserviceaccount.com', PROJECT);
const INLINE_ACCOUNT = testServiceAccount('inline@tollgate-e2e.iam.gserviceaccount.com', PROJECT);
/** Its key is one the token server does not know: as a revoked or foreign key would be. */
const UNKNOWN_ACCOUNT = testServiceAccount('stranger@elsewhere.iam.gserviceaccount.com', PROJECT);

const vertex = vertexMock([FILE_ACCOUNT, INLINE_ACCOUNT], { project: PROJECT, location: LOCATION });

interface SpendRow {
  custom_llm_provider: string;
  spend: number;
  model: string;
  prompt_tokens: number;
  completion_tokens: number;
}

describe('Vertex AI adapter (e2e, openai SDK → gateway → OAuth token server + Vertex mock)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vertex-e2e-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const env = useProviderGateway([vertex.handler], MASTER_KEY, async (mock: MockProviderServer) => {
    const keyFile = (account: typeof FILE_ACCOUNT): string => JSON.stringify({ ...account.keyFile, token_uri: `${mock.url}/token` });
    const path = join(dir, 'service-account.json');
    writeFileSync(path, keyFile(FILE_ACCOUNT));
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - { model_name: gemini-pro, litellm_params: { model: vertex_ai/gemini-1.5-pro, api_base: "${mock.url}" } }
  - { model_name: claude-vertex, litellm_params: { model: vertex_ai/${CLAUDE}, api_base: "${mock.url}" } }
  - { model_name: gemini-inline, litellm_params: { model: vertex_ai/gemini-1.5-flash, api_base: "${mock.url}", vertex_credentials: os.environ/E2E_VERTEX_SA, vertex_project: ${PROJECT} } }
  - { model_name: vertex-embed, litellm_params: { model: vertex_ai/text-embedding-004, api_base: "${mock.url}" }, model_info: { mode: embedding } }
  - { model_name: gemini-stranger, litellm_params: { model: vertex_ai/gemini-1.5-pro, api_base: "${mock.url}", vertex_credentials: os.environ/E2E_VERTEX_STRANGER } }
  - { model_name: gemini-wrong-place, litellm_params: { model: vertex_ai/gemini-1.5-pro, api_base: "${mock.url}", vertex_location: us-east5 } }
`;
    // Project, location and the key file from LiteLLM's variables, as a LiteLLM deployment would have them.
    return startGateway(yaml, {
      env: {
        VERTEXAI_PROJECT: PROJECT,
        VERTEXAI_LOCATION: LOCATION,
        GOOGLE_APPLICATION_CREDENTIALS: path,
        E2E_VERTEX_SA: keyFile(INLINE_ACCOUNT),
        E2E_VERTEX_STRANGER: keyFile(UNKNOWN_ACCOUNT),
      },
    });
  });

  const rowOf = async (requestId: string): Promise<SpendRow> => {
    await env.gateway.app.get(SpendLedgerService).flush();
    const rows = (await env.gateway.app.get(DataSource).query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as SpendRow[];
    expect(rows).toHaveLength(1);
    return rows[0];
  };
  const vertexPath = (publisher: string, model: string, method: string): string =>
    `/v1/projects/${PROJECT}/locations/${LOCATION}/publishers/${publisher}/models/${model}:${method}`;

  it('should call Gemini on Vertex with a service-account token, translated as Gemini, priced as vertex_ai', async () => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'gemini-pro',
        messages: [
          { role: 'system', content: 'Be terse.' },
          { role: 'user', content: 'Hello Vertex' },
        ],
        temperature: 0.3,
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe('Gemini echo: Hello Vertex (system: Be terse.)');
    const [tokenRequest, call] = env.mock.requests;
    expect(tokenRequest.path).toBe('/token');
    expect(call.path).toBe(vertexPath('google', 'gemini-1.5-pro', 'generateContent'));
    expect(call.headers.authorization).toMatch(/^Bearer ya29\.mock-gateway@/);
    expect(call.headers['x-goog-api-key']).toBeUndefined();
    expect(call.body).toEqual({
      contents: [{ role: 'user', parts: [{ text: 'Hello Vertex' }] }],
      systemInstruction: { parts: [{ text: 'Be terse.' }] },
      generationConfig: { temperature: 0.3 },
    });
    const row = await rowOf(data.id);
    expect(row.custom_llm_provider).toBe('vertex_ai');
    expect(Number(row.spend)).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBe(Number(row.spend));
  });

  it('should stream Gemini on Vertex (streamGenerateContent?alt=sse) with usage', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'gemini-pro',
      messages: [{ role: 'user', content: 'stream these words' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Gemini echo: stream these words');
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(3);
    expect(env.mock.requests.at(-1)?.path).toBe(`${vertexPath('google', 'gemini-1.5-pro', 'streamGenerateContent')}?alt=sse`);
    const usage = chunks.at(-1)?.usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);
    expect((await rowOf(chunks[0].id)).completion_tokens).toBe(usage?.completion_tokens);
  });

  it('should call Claude on Vertex through rawPredict with the Anthropic translation and vertex-2023-10-16', async () => {
    const { data } = await env.client.chat.completions
      .create({
        model: 'claude-vertex',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello Claude' },
        ],
        max_tokens: 100,
      })
      .withResponse();
    expect(data.choices[0].message.content).toBe('Claude echo: Hello Claude (system: Be brief.)');
    const call = env.mock.requests.at(-1)!;
    expect(call.path).toBe(vertexPath('anthropic', CLAUDE, 'rawPredict'));
    expect(call.headers.authorization).toMatch(/^Bearer ya29\.mock-gateway@/);
    expect(call.headers['x-api-key']).toBeUndefined();
    expect(call.body).toEqual({
      anthropic_version: 'vertex-2023-10-16',
      messages: [{ role: 'user', content: [{ type: 'text', text: 'Hello Claude' }] }],
      system: [{ type: 'text', text: 'Be brief.' }],
      max_tokens: 100,
    });
    const row = await rowOf(data.id);
    expect(row).toMatchObject({ custom_llm_provider: 'vertex_ai', model: CLAUDE });
    expect(Number(row.spend)).toBeGreaterThan(0);
  });

  it('should stream Claude on Vertex through streamRawPredict, Anthropic events translated to chunks', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'claude-vertex',
      messages: [{ role: 'user', content: 'stream me some words please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('Claude echo: stream me some words please');
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    const call = env.mock.requests.at(-1)!;
    expect(call.path).toBe(vertexPath('anthropic', CLAUDE, 'streamRawPredict'));
    expect(call.body).toMatchObject({ anthropic_version: 'vertex-2023-10-16', stream: true });
    const row = await rowOf(chunks[0].id);
    expect(row.completion_tokens).toBe(chunks.at(-1)?.usage?.completion_tokens);
    expect(Number(row.spend)).toBeGreaterThan(0);
  });

  it('should take credentials as JSON text too, and exchange one token per service account until it expires', async () => {
    const data = await env.client.chat.completions.create({ model: 'gemini-inline', messages: [{ role: 'user', content: 'inline' }] });
    expect(data.choices[0].message.content).toBe('Gemini echo: inline');
    expect(env.mock.requests.at(-1)?.headers.authorization).toMatch(/^Bearer ya29\.mock-inline@/);
    await Promise.all([1, 2, 3].map(() => env.client.chat.completions.create({ model: 'gemini-inline', messages: [{ role: 'user', content: 'again' }] })));
    // Every call of this suite so far, and these in parallel, on one token per account.
    expect(Object.fromEntries(vertex.tokensIssued)).toEqual({ [FILE_ACCOUNT.keyFile.client_email]: 1, [INLINE_ACCOUNT.keyFile.client_email]: 1 });
  });

  it('should embed through predict', async () => {
    const data = await env.client.embeddings.create({ model: 'vertex-embed', input: ['alpha', 'be'], dimensions: 3, encoding_format: 'float' });
    expect(data.data.map((item) => item.embedding)).toEqual([
      [5, 6, 7],
      [2, 3, 4],
    ]);
    expect(data.usage.prompt_tokens).toBe(3);
    expect(env.mock.requests.at(-1)?.path).toBe(vertexPath('google', 'text-embedding-004', 'predict'));
    expect(env.mock.requests.at(-1)?.body).toEqual({ instances: [{ content: 'alpha' }, { content: 'be' }], parameters: { outputDimensionality: 3 } });
  });

  it('should fail with an auth error when the token server refuses the account, and say where a model is not', async () => {
    const refused = (await env.client.chat.completions.create({ model: 'gemini-stranger', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(refused.status).toBe(401);
    expect(refused.message).toContain(
      'litellm.AuthenticationError: VertexAIException - the OAuth endpoint refused the service account stranger@elsewhere.iam.gserviceaccount.com: invalid_grant',
    );
    expect(refused.message).not.toContain('PRIVATE KEY');
    const elsewhere = (await env.client.chat.completions.create({ model: 'gemini-wrong-place', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e)) as APIError;
    expect(elsewhere.status).toBe(404);
    expect(env.mock.requests.at(-1)?.path).toContain('/locations/us-east5/');
  });
});
