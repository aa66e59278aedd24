import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { COHERE_TEST_KEY, cohereMock } from './support/mock-providers/cohere.mock';
import { startMockProviderServer, type MockProviderServer } from './support/mock-providers/mock-provider-server';
import { OPENAI_MEDIA_TEST_KEY, openAiMediaMock } from './support/mock-providers/openai-media.mock';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

const MASTER_KEY = 'sk-edge-matrix-master';
const UPSTREAM_KEY = 'sk-edge-matrix-upstream';
const BANNED = 'forbidden-edge-word';
const BLOCKED_END_USER = 'blocked-end-user';
/** Prices that make every priced call cost something, so budgets and counters have work to do. */
const PRICES = 'input_cost_per_token: 0.000001, output_cost_per_token: 0.000002';

/** One way to call an edge: the HTTP request an OpenAI-style client sends there. */
interface EdgeRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  /** JSON body, or form fields sent as multipart with a small file. */
  json?: Json;
  form?: Record<string, string>;
  /** Where the edge's text goes, for the guardrail scenario; undefined: the operation carries none. */
  withText?: (text: string) => EdgeRequest;
  /** The same request naming an end user; undefined: the edge has no place for one. */
  withEndUser?: (user: string) => EdgeRequest;
  /** The edge answers errors in Anthropic's shape (`{"type":"error","error":{type,message}}`), not OpenAI's. */
  anthropic?: boolean;
}

interface Answer {
  status: number;
  code: string | null;
  type: string | null;
  callId: string | null;
  text: string;
}

describe('Edge matrix: every LLM edge gets the same refusals, one ledger row per call, counters that equal their rows (e2e)', () => {
  let gateway: TestGateway;
  let upstream: MockUpstreamProcess;
  let media: MockProviderServer;
  let target: Server;
  let targetUrl: string;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    upstream = await startMockUpstreamProcess(['--require-api-key', UPSTREAM_KEY, '--chunks', '40', '--chunk-delay', '20']);
    media = await startMockProviderServer([openAiMediaMock(), cohereMock]);
    target = createServer((request, res) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'pt-1', model: 'gpt-4o', usage: { prompt_tokens: 100, completion_tokens: 50, total_tokens: 150 }, echo: body.length }));
      });
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    const openAi = (name: string, model: string, extra = ''): string =>
      `  - model_name: ${name}\n    litellm_params: { model: openai/${model}, api_base: ${media.url}/v1, api_key: os.environ/E2E_MEDIA_KEY, ${PRICES} }\n${extra}`;
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
  pass_through_endpoints:
    - path: /pt-chat
      target: ${targetUrl}/v1/chat/completions
      auth: true
      headers: { Authorization: "bearer target-secret" }
model_list:
  - model_name: chat-model
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.baseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY, ${PRICES} }
  - model_name: embed-model
    litellm_params: { model: openai/text-embedding-3-small, api_base: ${upstream.baseUrl}, api_key: os.environ/E2E_UPSTREAM_KEY, ${PRICES} }
${openAi('gpt-image-1', 'gpt-image-1', '    model_info: { mode: image_generation }\n')}${openAi('tts-1', 'tts-1', '    model_info: { mode: audio_speech }\n')}${openAi('whisper-1', 'whisper-1', '    model_info: { mode: audio_transcription }\n')}${openAi('text-moderation-latest', 'text-moderation-latest')}  - model_name: rerank-english
    litellm_params: { model: cohere/rerank-english-v3.0, api_base: ${media.url}, api_key: os.environ/E2E_COHERE_KEY, ${PRICES} }
    model_info: { mode: rerank }
litellm_settings:
  blocked_user_list: ["${BLOCKED_END_USER}"]
guardrails:
  - guardrail_name: edge-keywords
    litellm_params: { guardrail: banned_keywords, mode: pre_call, default_on: true, banned_keywords_list: ["${BANNED}"] }
`;
    gateway = await startGateway(yaml, { env: { E2E_UPSTREAM_KEY: UPSTREAM_KEY, E2E_MEDIA_KEY: OPENAI_MEDIA_TEST_KEY, E2E_COHERE_KEY: COHERE_TEST_KEY } });
  }, 120_000);

  afterAll(async () => {
    await gateway?.close();
    await upstream?.close();
    await media?.close();
    await new Promise((resolve) => target?.close(resolve));
    if (gateway) discardStorage(gateway.storage);
  });

  /** Each LLM-class route's canonical request, from the path template `/routes` lists. */
  function requestFor(template: string, method: string, fileId: string, responseId: string, batchId: string): EdgeRequest | undefined {
    const modelOf: Record<string, string> = {
      chat: 'chat-model',
      completions: 'chat-model',
      embeddings: 'embed-model',
      images: 'gpt-image-1',
      speech: 'tts-1',
      transcriptions: 'whisper-1',
    };
    const kind = /(chat|completions|embeddings|images|speech|transcriptions)/.exec(template)?.[1] ?? 'chat';
    const path = template.replace('{model}', modelOf[kind]).replace('{fileId}', fileId).replace('{responseId}', responseId).replace('{batchId}', batchId);
    const normal = template
      .replace(/^\/engines\/\{model\}|^\/openai\/deployments\/\{model\}/, '/v1')
      .replace('{fileId}', 'ID')
      .replace('{responseId}', 'ID')
      .replace('{batchId}', 'ID');
    const chat = (content: string, user?: string): EdgeRequest => ({
      method: 'POST',
      path,
      json: { model: 'chat-model', messages: [{ role: 'user', content }], ...(user ? { user } : {}) },
      withText: (text) => chat(text, user),
      withEndUser: (who) => chat(content, who),
    });
    const json = (base: Json, textField: string | null): EdgeRequest => ({
      method: 'POST',
      path,
      json: base,
      withText: textField ? (text) => json({ ...base, [textField]: text }, textField) : undefined,
      withEndUser: (user) => json({ ...base, user }, textField),
    });
    const form = (fields: Record<string, string>, textField: string | null): EdgeRequest => ({
      method: 'POST',
      path,
      form: fields,
      withText: textField ? (text) => form({ ...fields, [textField]: text }, textField) : undefined,
      withEndUser: (user) => form({ ...fields, user }, textField),
    });
    if (/^\/(v1\/)?chat\/completions$/.test(normal)) return chat('hi there');
    if (/^\/(v1\/)?completions$/.test(normal)) return json({ model: 'chat-model', prompt: 'say hi' }, 'prompt');
    if (/^\/(v1\/)?embeddings$/.test(normal)) return json({ model: 'embed-model', input: 'embed me' }, 'input');
    if (/^\/(v1\/)?images\/generations$/.test(normal)) return json({ model: 'gpt-image-1', prompt: 'a lighthouse' }, 'prompt');
    if (/^\/(v1\/)?audio\/speech$/.test(normal)) return json({ model: 'tts-1', input: 'read me', voice: 'alloy' }, 'input');
    if (/^\/(v1\/)?audio\/transcriptions$/.test(normal)) return form({ model: 'whisper-1', prompt: 'a meeting' }, 'prompt');
    if (/^\/(v1\/)?moderations$/.test(normal)) return json({ model: 'text-moderation-latest', input: 'is this fine' }, 'input');
    if (/^\/(v[12]\/)?rerank$/.test(normal)) return json({ model: 'rerank-english', query: 'capital', documents: ['Paris', 'Rome'] }, 'query');
    if (/^\/(v1\/)?files$/.test(normal) && method === 'POST') return form({ model: 'whisper-1', purpose: 'batch' }, null);
    if (/^\/(v1\/)?files(\/ID(\/content)?)?$/.test(normal) && (method === 'GET' || method === 'DELETE')) return { method, path: `${path}?model=whisper-1` };
    if (/^\/(v1\/|openai\/)?responses$/.test(normal) && method === 'POST') return json({ model: 'chat-model', input: 'hi there' }, 'input');
    if (/^\/(v1\/|openai\/)?responses\/ID(\/input_items)?$/.test(normal) && (method === 'GET' || method === 'DELETE')) return { method, path };
    if (/^\/(v1\/)?batches$/.test(normal) && method === 'POST')
      return json({ model: 'whisper-1', input_file_id: fileId, endpoint: '/v1/chat/completions', completion_window: '24h' }, null);
    if (/^\/(v1\/)?batches(\/ID)?$/.test(normal) && method === 'GET') return { method, path: `${path}?model=whisper-1` };
    if (/^\/(v1\/)?batches\/ID\/cancel$/.test(normal) && method === 'POST') return { method, path };
    if (normal === '/pt-chat') return chat('hi there');
    // Anthropic's Messages API: its text in the turns, its end user in metadata.user_id.
    const messages = (content: string, user?: string): EdgeRequest => ({
      method: 'POST',
      path,
      json: { model: 'chat-model', max_tokens: 32, messages: [{ role: 'user', content: [{ type: 'text', text: content }] }], ...(user ? { metadata: { user_id: user } } : {}) },
      withText: (text) => messages(text, user),
      withEndUser: (who) => messages(content, who),
      anthropic: true,
    });
    if (/^(\/anthropic)?\/v1\/messages(\/count_tokens)?$/.test(normal)) return messages('hi there');
    return undefined;
  }

  async function send(request: EdgeRequest, key: string): Promise<Answer> {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    let body: string | FormData | undefined;
    if (request.json) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.form) {
      const form = new FormData();
      for (const [name, value] of Object.entries(request.form)) form.set(name, value);
      form.set('file', new Blob([Buffer.from('RIFF....WAVEfmt ')], { type: 'audio/wav' }), 'clip.wav');
      body = form;
    }
    const response = await fetch(`${gateway.url}${request.path}`, { method: request.method, headers, body });
    const text = await response.text();
    let code: string | null = null;
    let type: string | null = null;
    try {
      const parsed = JSON.parse(text) as { type?: string; error?: { code?: string; type?: string; message?: string } };
      const error = parsed.error;
      type = error?.type ?? null;
      // An Anthropic-shaped error has no `code`: its status is the code, and nothing else may be in it.
      if (request.anthropic && error)
        code = parsed.type === 'error' && typeof error.message === 'string' && Object.keys(error).length === 2 ? String(response.status) : 'not-anthropic-shaped';
      else code = error?.code ?? null;
    } catch {
      // A binary or non-JSON success.
    }
    return { status: response.status, code, type, callId: response.headers.get('x-litellm-call-id'), text };
  }

  /**
   * Every LLM edge from `/routes`; the files, stored responses' and batches APIs' `{fileId}`/`{responseId}`/`{batchId}`
   * routes name those, and delete comes last. The realtime websocket is left to test/realtime-batches.e2e-spec.ts:
   * its refusals come at the upgrade, which fetch cannot send.
   */
  async function edges(fileId = 'file-unknown', responseId = 'resp_unknown', batchId = 'batch_unknown'): Promise<{ name: string; request: EdgeRequest }[]> {
    const { routes } = (await api.get<{ routes: { path: string; methods: string[]; routeClass: string }[] }>('/routes')).body;
    const found: { name: string; request: EdgeRequest }[] = [];
    for (const route of routes) {
      if (route.routeClass !== 'llm' || route.path.includes('*') || /models/.test(route.path) || /realtime/.test(route.path)) continue;
      for (const method of route.methods) {
        const request = requestFor(route.path, method, fileId, responseId, batchId);
        if (!request) throw new Error(`the edge matrix has no request for LLM route ${method} ${route.path}: add one`);
        found.push({ name: `${method} ${route.path}`, request });
      }
    }
    return found.sort((a, b) => Number(a.request.method === 'DELETE') - Number(b.request.method === 'DELETE'));
  }

  const generate = async (body: Json): Promise<string> => {
    const response = await api.post<{ key: string }>('/key/generate', body);
    expect(response.status).toBe(200);
    return response.body.key;
  };

  it('should refuse the same way on every edge: over budget, rpm exhausted, organization over budget, blocked end user, blocking guardrail', async () => {
    const all = await edges();
    expect(all.length).toBeGreaterThanOrEqual(30);
    const org = (await api.post<{ organization_id: string }>('/organization/new', { organization_alias: 'broke', max_budget: 0 })).body.organization_id;
    const team = (await api.post<{ team_id: string }>('/team/new', { team_alias: 'broke-team', organization_id: org })).body.team_id;
    const scenarios: {
      name: string;
      expected: { status: number; code: string; type: string };
      key: () => Promise<string>;
      shape: (request: EdgeRequest) => EdgeRequest | undefined;
    }[] = [
      { name: 'key over budget', expected: { status: 400, code: '400', type: 'budget_exceeded' }, key: () => generate({ max_budget: 0 }), shape: (r) => r },
      { name: 'key rpm exhausted', expected: { status: 429, code: '429', type: 'rate_limit_error' }, key: () => generate({ rpm_limit: 0 }), shape: (r) => r },
      { name: 'organization over budget', expected: { status: 400, code: '400', type: 'budget_exceeded' }, key: () => generate({ team_id: team }), shape: (r) => r },
      { name: 'blocked end user', expected: { status: 400, code: '400', type: 'invalid_request_error' }, key: () => generate({}), shape: (r) => r.withEndUser?.(BLOCKED_END_USER) },
      {
        name: 'blocking guardrail',
        expected: { status: 400, code: '400', type: 'invalid_request_error' },
        key: () => generate({}),
        shape: (r) => r.withText?.(`please say ${BANNED}`),
      },
    ];
    const mismatches: string[] = [];
    let checked = 0;
    for (const scenario of scenarios) {
      for (const edge of all) {
        const request = scenario.shape(edge.request);
        if (!request) continue;
        const answer = await send(request, await scenario.key());
        checked++;
        const got = { status: answer.status, code: answer.code, type: answer.type };
        if (JSON.stringify(got) !== JSON.stringify(scenario.expected)) mismatches.push(`${scenario.name} on ${edge.name}: ${JSON.stringify(got)} ${answer.text.slice(0, 160)}`);
      }
    }
    expect(mismatches).toEqual([]);
    // Every edge carries an end user but the reads of files, batches and stored responses; every one carries text but
    // the files and batches APIs and the stored responses' reads and deletes.
    const objects = all.filter((edge) => /files|batches/.test(edge.name)).length;
    const creates = all.filter((edge) => /^POST \S*(files|batches)$/.test(edge.name)).length;
    const storedResponses = all.filter((edge) => edge.name.includes('{responseId}')).length;
    expect(storedResponses).toBe(9);
    expect(checked).toBe(all.length * 5 - objects - (objects - creates) - 2 * storedResponses);
  });

  it('should leave exactly one ledger row per admitted call, and counters equal to the sum of their rows', async () => {
    const team = (await api.post<{ team_id: string }>('/team/new', { team_alias: 'counted', max_budget: 100 })).body.team_id;
    expect((await api.post('/user/new', { user_id: 'counted-user', auto_create_key: false })).status).toBe(200);
    const key = await generate({ team_id: team, max_budget: 100, user_id: 'counted-user' });
    const callIds: string[] = [];
    // Files and batches are the key's own (another key's are a 404); creating them is a call with its row too.
    const uploadFile = async (): Promise<string> => {
      const upload = new FormData();
      upload.set('purpose', 'batch');
      upload.set('model', 'whisper-1');
      upload.set('file', new Blob(['{"custom_id":"1"}']), 'batch.jsonl');
      const response = await fetch(`${gateway.url}/v1/files`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: upload });
      callIds.push(response.headers.get('x-litellm-call-id') as string);
      return ((await response.json()) as { id: string }).id;
    };
    const createBatch = async (): Promise<string> => {
      const answer = await send(
        { method: 'POST', path: '/v1/batches', json: { model: 'whisper-1', input_file_id: await uploadFile(), endpoint: '/v1/chat/completions', completion_window: '24h' } },
        key,
      );
      callIds.push(answer.callId as string);
      return (JSON.parse(answer.text) as { id: string }).id;
    };
    // A stored response belongs to the key that created it: created with `key`, its call counted like the others.
    const createResponse = async (): Promise<string> => {
      const answer = await send({ method: 'POST', path: '/v1/responses', json: { model: 'chat-model', input: 'keep this' } }, key);
      expect(answer.status).toBe(200);
      callIds.push(answer.callId as string);
      return (JSON.parse(answer.text) as { id: string }).id;
    };
    const fileId = await uploadFile();
    const responseId = await createResponse();
    const batchId = await createBatch();
    const tagged: string[] = [];
    for (const edge of await edges(fileId, responseId, batchId)) {
      // Each delete needs a file (or a stored response) of its own, each cancel a batch of its own; every JSON body
      // carries LiteLLM's top-level `tags`.
      let request =
        edge.request.method !== 'DELETE'
          ? edge.request
          : edge.request.path.includes(responseId)
            ? { ...edge.request, path: edge.request.path.replace(responseId, await createResponse()) }
            : { ...edge.request, path: edge.request.path.replace(fileId, await uploadFile()) };
      if (request.path.endsWith('/cancel')) request = { ...request, path: request.path.replace(batchId, await createBatch()) };
      if (request.json) request = { ...request, json: { ...request.json, tags: ['edge-tag'] } };
      const answer = await send(request, key);
      expect({ edge: edge.name, status: answer.status }).toEqual({ edge: edge.name, status: 200 });
      callIds.push(answer.callId as string);
      if (request.json) tagged.push(answer.callId as string);
    }
    // The batch completed on its second retrieve: its spend is one more row (request_id: the batch id), charged once.
    callIds.push(batchId);
    await gateway.app.get(SpendLedgerService).flush();
    const db = gateway.app.get(DataSource);
    const rows = (await db.query('SELECT request_id, spend, team_id, request_tags FROM tollgate_spend_logs WHERE request_id = ANY($1)', [callIds])) as {
      request_id: string;
      spend: number;
      team_id: string;
      request_tags: string[];
    }[];
    expect(rows.map((row) => row.request_id).sort()).toEqual([...callIds].sort());
    expect(tagged.length).toBeGreaterThanOrEqual(20);
    expect(rows.filter((row) => tagged.includes(row.request_id) && !row.request_tags.includes('edge-tag')).map((row) => row.request_id)).toEqual([]);
    expect(new Set(rows.map((row) => row.team_id))).toEqual(new Set([team]));
    const rowSum = rows.reduce((sum, row) => sum + row.spend, 0);
    expect(rowSum).toBeGreaterThan(0);
    const keyInfo = (await api.get<{ info: { spend: number } }>(`/key/info?key=${key}`)).body.info;
    const teamInfo = (await api.get<{ team_info: { spend: number } }>(`/team/info?team_id=${team}`)).body.team_info;
    const userInfo = (await api.get<{ user_info: { spend: number } }>('/user/info?user_id=counted-user')).body.user_info;
    const [stored] = (await db.query(
      'SELECT k.spend AS key_spend, t.spend AS team_spend FROM tollgate_virtual_keys k JOIN tollgate_teams t ON t.team_id = k.team_id WHERE k.team_id = $1',
      [team],
    )) as { key_spend: number; team_spend: number }[];
    for (const counter of [keyInfo.spend, teamInfo.spend, userInfo.spend, stored.key_spend, stored.team_spend]) expect(counter).toBeCloseTo(rowSum, 12);
  });

  it('should stop the upstream of a stream the client aborts, on every streaming edge, and charge what was generated', async () => {
    const key = await generate({ max_budget: 100 });
    for (const [path, body] of [
      ['/v1/chat/completions', { model: 'chat-model', stream: true, messages: [{ role: 'user', content: 'a long story please' }] }],
      ['/v1/completions', { model: 'chat-model', stream: true, prompt: 'a long story please' }],
      ['/v1/responses', { model: 'chat-model', stream: true, input: 'a long story please' }],
      ['/v1/messages', { model: 'chat-model', stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'a long story please' }] }],
    ] as const) {
      const abortedBefore = (await upstream.stats()).aborted;
      const controller = new AbortController();
      const response = await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: controller.signal,
      });
      const callId = response.headers.get('x-litellm-call-id');
      const reader = response.body!.getReader();
      let received = '';
      // Four events with text in them (the Responses API's stream opens with events that carry none).
      const textEvents = path === '/v1/responses' ? /event: response\.output_text\.delta/g : /data: /g;
      while ((received.match(textEvents) ?? []).length < 4) received += new TextDecoder().decode((await reader.read()).value);
      controller.abort();
      let row: { spend: number; completion_tokens: number; status: string } | undefined;
      for (let attempt = 0; attempt < 50 && !row; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await gateway.app.get(SpendLedgerService).flush();
        [row] = (await gateway.app.get(DataSource).query('SELECT spend, completion_tokens, status FROM tollgate_spend_logs WHERE request_id = $1', [callId])) as (typeof row)[];
      }
      expect(row).toBeDefined();
      expect(row!.completion_tokens).toBeGreaterThan(0);
      expect(row!.spend).toBeGreaterThan(0);
      expect(row!.status).toBe('failure');
      let aborted = abortedBefore;
      for (let attempt = 0; attempt < 50 && aborted === abortedBefore; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        aborted = (await upstream.stats()).aborted;
      }
      expect(aborted).toBe(abortedBefore + 1);
    }
  });

  it('should admit and charge a pass-through call like any other: the key’s rpm and budget, its team', async () => {
    const team = (await api.post<{ team_id: string }>('/team/new', { team_alias: 'pt-team' })).body.team_id;
    const key = await generate({ team_id: team, max_budget: 1e-7, rpm_limit: 1 });
    const first = await send({ method: 'POST', path: '/pt-chat', json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } }, key);
    expect(first.status).toBe(200);
    const second = await send({ method: 'POST', path: '/pt-chat', json: { model: 'gpt-4o', messages: [{ role: 'user', content: 'hi' }] } }, key);
    // The first call's cost is over the budget: refused before the rate window is even looked at.
    expect({ status: second.status, type: second.type }).toEqual({ status: 400, type: 'budget_exceeded' });
    const limited = await generate({ rpm_limit: 1 });
    expect((await send({ method: 'POST', path: '/pt-chat', json: { model: 'gpt-4o' } }, limited)).status).toBe(200);
    expect((await send({ method: 'POST', path: '/pt-chat', json: { model: 'gpt-4o' } }, limited)).status).toBe(429);
    const info = (await api.get<{ info: { spend: number } }>(`/key/info?key=${key}`)).body.info;
    expect(info.spend).toBeGreaterThan(1e-7);
    const chat = await send({ method: 'POST', path: '/v1/chat/completions', json: { model: 'chat-model', messages: [{ role: 'user', content: 'hi' }] } }, key);
    expect({ status: chat.status, type: chat.type }).toEqual({ status: 400, type: 'budget_exceeded' });
    await gateway.app.get(SpendLedgerService).flush();
    const [row] = (await gateway.app.get(DataSource).query('SELECT team_id, call_type FROM tollgate_spend_logs WHERE request_id = $1', [first.callId])) as {
      team_id: string;
      call_type: string;
    }[];
    expect(row).toEqual({ team_id: team, call_type: 'pass_through_endpoint' });
  });
});
