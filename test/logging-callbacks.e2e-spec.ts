import { generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { FakeServer } from './support/fakes/fake-server';
import { verifySigV4 } from './support/fakes/sigv4';
import { discardStorage, freshStorage, startGateway, type TestGateway } from './support/gateway-harness';

interface Received {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: unknown;
}

/** An HTTP endpoint that records what it is sent, refusing the first `refuse` requests with a 503. */
async function startReceiver(
  reply: (path: string) => { status: number; body: unknown } = () => ({ status: 200, body: {} }),
): Promise<{ url: string; received: Received[]; refuse: (n: number) => void; close: () => Promise<void> }> {
  const received: Received[] = [];
  let refusals = 0;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (refusals > 0) {
        refusals -= 1;
        response.writeHead(503).end();
        return;
      }
      received.push({ path: request.url ?? '', headers: request.headers, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      const { status, body } = reply(request.url ?? '');
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    refuse: (n) => {
      refusals = n;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(predicate: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

interface Payload {
  id: string;
  status: string;
  call_type: string;
  model: string;
  model_group: string;
  messages: unknown;
  response: unknown;
  response_cost: number;
  prompt_tokens: number;
  completion_tokens: number;
  startTime: number;
  endTime: number;
  request_tags: string[];
  metadata: Record<string, unknown>;
  model_parameters: Record<string, unknown>;
  error_information: { error_class: string } | null;
}

const MASTER_KEY = 'sk-callbacks-master';
const CONFIG = (extra = ''): string => `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o }
litellm_settings:
  success_callback: ["generic_api", "langfuse"]
  failure_callback: ["generic_api"]
  langfuse_default_tags: ["tollgate-e2e"]
${extra}`;

describe('logging callbacks: generic_api and langfuse (e2e)', () => {
  let generic: Awaited<ReturnType<typeof startReceiver>>;
  let langfuse: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    generic = await startReceiver();
    langfuse = await startReceiver(() => ({ status: 207, body: { successes: [], errors: [] } }));
  });
  afterAll(async () => {
    await Promise.all([generic?.close(), langfuse?.close()]);
  });

  const env = (): Record<string, string> => ({
    GENERIC_LOGGER_ENDPOINT: `${generic.url}/ingest`,
    GENERIC_LOGGER_HEADERS: 'Authorization=Bearer ingest-token,X-Source=tollgate',
    LANGFUSE_PUBLIC_KEY: 'pk-lf-test',
    LANGFUSE_SECRET_KEY: 'sk-lf-test',
    LANGFUSE_HOST: langfuse.url,
    DEFAULT_FLUSH_INTERVAL_SECONDS: '0.2',
  });

  describe('with message logging on', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway(CONFIG(), { env: env() });
    });
    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should send a success's StandardLoggingPayload to the endpoint (retrying a 503) and a trace and generation to Langfuse", async () => {
      generic.refuse(1);
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1` });
      const { data, response } = await client.chat.completions
        .create({
          model: 'gpt-4o',
          messages: [{ role: 'user', content: 'log me' }],
          temperature: 0.3,
          metadata: { tags: ['billing'] },
        } as unknown as OpenAI.ChatCompletionCreateParamsNonStreaming)
        .withResponse();
      const callId = response.headers.get('x-litellm-call-id')!;
      const payloadOf = (): Payload | undefined => generic.received.flatMap((r) => r.body as Payload[]).find((p) => p.id === callId);
      await until(() => payloadOf() !== undefined);
      const payload = payloadOf()!;
      const delivery = generic.received.find((r) => (r.body as Payload[]).some((p) => p.id === callId))!;
      expect(delivery.path).toBe('/ingest');
      expect(delivery.headers.authorization).toBe('Bearer ingest-token');
      expect(delivery.headers['x-source']).toBe('tollgate');
      expect(payload).toMatchObject({
        status: 'success',
        call_type: 'acompletion',
        model_group: 'gpt-4o',
        messages: [{ role: 'user', content: 'log me' }],
        prompt_tokens: data.usage!.prompt_tokens,
        completion_tokens: data.usage!.completion_tokens,
        request_tags: ['billing'],
        model_parameters: { temperature: 0.3 },
        error_information: null,
      });
      expect((payload.response as { choices: { message: { content: string } }[] }).choices[0].message.content).toBe(data.choices[0].message.content);
      expect(payload.response_cost).toBeGreaterThan(0);
      expect(payload.endTime).toBeGreaterThanOrEqual(payload.startTime);
      expect(payload.metadata.user_api_key_hash).toEqual(expect.any(String));

      await until(() => langfuse.received.some((r) => JSON.stringify(r.body).includes(callId)));
      const ingestion = langfuse.received.find((r) => JSON.stringify(r.body).includes(callId))!;
      expect(ingestion.path).toBe('/api/public/ingestion');
      expect(ingestion.headers.authorization).toBe(`Basic ${Buffer.from('pk-lf-test:sk-lf-test').toString('base64')}`);
      const events = (ingestion.body as { batch: { type: string; body: Record<string, unknown> }[] }).batch.filter((e) => e.body.id === callId || e.body.traceId === callId);
      expect(events.map((e) => e.type)).toEqual(['trace-create', 'generation-create']);
      expect(events[0].body.tags).toEqual(['tollgate-e2e', 'billing']);
      expect(events[1].body).toMatchObject({
        model: payload.model,
        usage: { input: payload.prompt_tokens, output: payload.completion_tokens, unit: 'TOKENS' },
        costDetails: { total: payload.response_cost },
        level: 'DEFAULT',
      });
    });

    it('should send failures to the failure callbacks only', async () => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-4o', messages: [{ role: 'user', content: 'fail me' }], mock_testing_fallbacks: true }),
      });
      expect(response.status).toBeGreaterThanOrEqual(500);
      const callId = response.headers.get('x-litellm-call-id')!;
      await until(() => generic.received.some((r) => (r.body as Payload[]).some((p) => p.id === callId)));
      const payload = generic.received.flatMap((r) => r.body as Payload[]).find((p) => p.id === callId)!;
      expect(payload.status).toBe('failure');
      expect(payload.error_information?.error_class).toEqual(expect.any(String));
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(langfuse.received.some((r) => JSON.stringify(r.body).includes(callId))).toBe(false);
    });
  });

  describe('with turn_off_message_logging and redact_user_api_key_info', () => {
    let gateway: TestGateway;
    beforeAll(async () => {
      gateway = await startGateway(CONFIG('  turn_off_message_logging: true\n  redact_user_api_key_info: true\n'), { env: env() });
    });
    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should send no messages, no response and no key identity', async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1` });
      const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'private words' }] }).withResponse();
      const callId = response.headers.get('x-litellm-call-id')!;
      await until(() => generic.received.some((r) => (r.body as Payload[]).some((p) => p.id === callId)));
      await until(() => langfuse.received.some((r) => JSON.stringify(r.body).includes(callId)));
      const payload = generic.received.flatMap((r) => r.body as Payload[]).find((p) => p.id === callId)!;
      expect(payload.messages).toBe('redacted-by-litellm');
      expect(payload.response).toBe('redacted-by-litellm');
      expect(payload.metadata).not.toHaveProperty('user_api_key_hash');
      expect(payload.metadata).not.toHaveProperty('user_api_key_user_id');
      const everything = JSON.stringify([...generic.received, ...langfuse.received].map((r) => r.body));
      expect(everything).not.toContain('private words');
    });
  });

  describe('s3 (an S3-compatible store that checks SigV4)', () => {
    const credentials = { accessKeyId: 'AKIALOGSTEST', secretAccessKey: 's3-secret-key-for-tests' };
    const objects = new Map<string, string>();
    let store: FakeServer;
    let gateway: TestGateway;
    let refusals = 0;

    beforeAll(async () => {
      store = new FakeServer((request, body, response) => {
        const refused = verifySigV4(request, body, { credentials, region: 'eu-west-1', service: 's3' });
        if (refused) {
          response.writeHead(403, { 'content-type': 'application/xml' }).end(`<Error><Code>SignatureDoesNotMatch</Code><Message>${refused.message}</Message></Error>`);
          return;
        }
        if (refusals > 0) {
          refusals -= 1;
          response.writeHead(503, { 'content-type': 'application/xml' }).end('<Error><Code>SlowDown</Code><Message>slow down</Message></Error>');
          return;
        }
        if (request.method !== 'PUT') return void response.writeHead(405).end();
        objects.set(decodeURIComponent(new URL(request.url ?? '/', 'http://s3').pathname), body.toString('utf8'));
        response.writeHead(200, { etag: '"1"' }).end();
      });
      await store.start();
      const yaml = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o }
litellm_settings:
  callbacks: ["s3"]
  s3_callback_params:
    s3_bucket_name: tollgate-logs
    s3_region_name: eu-west-1
    s3_endpoint_url: ${store.url}
    s3_aws_access_key_id: ${credentials.accessKeyId}
    s3_aws_secret_access_key: os.environ/TEST_S3_SECRET
    s3_path: gateway/calls
    s3_use_team_prefix: true
`;
      gateway = await startGateway(yaml, { env: { TEST_S3_SECRET: credentials.secretAccessKey, DEFAULT_FLUSH_INTERVAL_SECONDS: '0.2' } });
    });
    afterAll(async () => {
      await gateway?.close();
      await store?.stop();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should write each call's payload as one object under the path, the team and the day, retrying a 503", async () => {
      const team = await (
        await fetch(`${gateway.url}/team/new`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ team_alias: 'data science' }),
        })
      ).json();
      const key = await (
        await fetch(`${gateway.url}/key/generate`, {
          method: 'POST',
          headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ team_id: (team as { team_id: string }).team_id }),
        })
      ).json();
      refusals = 1;
      const client = new OpenAI({ apiKey: (key as { key: string }).key, baseURL: `${gateway.url}/v1` });
      const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'to the bucket' }] }).withResponse();
      const callId = response.headers.get('x-litellm-call-id')!;
      await until(() => [...objects.keys()].some((name) => name.endsWith(`_${callId}.json`)));
      const [name, text] = [...objects].find(([objectName]) => objectName.endsWith(`_${callId}.json`))!;
      const day = new Date().toISOString().slice(0, 10);
      expect(name).toMatch(new RegExp(`^/tollgate-logs/gateway/calls/data_science/${day}/time-\\d{2}-\\d{2}-\\d{2}\\.\\d{3}_${callId}\\.json$`));
      const payload = JSON.parse(text) as Payload;
      expect(payload).toMatchObject({ id: callId, status: 'success', model_group: 'gpt-4o', messages: [{ role: 'user', content: 'to the bucket' }] });
      expect(payload.metadata.user_api_key_team_alias).toBe('data science');
    });
  });

  describe("gcs_bucket (Cloud Storage JSON API, a service account's signed JWT)", () => {
    const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const objects = new Map<string, string>();
    let google: FakeServer;
    let gateway: TestGateway;
    let tokensChecked = 0;

    beforeAll(async () => {
      google = new FakeServer((request, body, response) => {
        const url = new URL(request.url ?? '/', 'http://google');
        // A service account's self-signed JWT, as Google checks it: RS256 by the account's key, its scope, not expired.
        const [header, claims, signature] = String(request.headers.authorization ?? '')
          .replace(/^Bearer /, '')
          .split('.');
        const signed = verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), keys.publicKey, Buffer.from(signature ?? '', 'base64url'));
        const claimSet = signed ? (JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as { iss?: string; scope?: string; exp?: number }) : {};
        if (
          !signed ||
          claimSet.iss !== 'logger@tollgate-test.iam.gserviceaccount.com' ||
          claimSet.scope !== 'https://www.googleapis.com/auth/devstorage.read_write' ||
          (claimSet.exp ?? 0) * 1000 < Date.now()
        ) {
          return void response.writeHead(401).end();
        }
        tokensChecked += 1;
        const upload = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(url.pathname);
        if (request.method === 'POST' && upload && url.searchParams.get('uploadType') === 'media') {
          objects.set(`${decodeURIComponent(upload[1])}/${url.searchParams.get('name')}`, body.toString('utf8'));
          response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
          return;
        }
        response.writeHead(404).end();
      });
      await google.start();
      const storage = await freshStorage();
      const keyFile = join(storage.dataDir, 'gcs-service-account.json');
      writeFileSync(
        keyFile,
        JSON.stringify({
          type: 'service_account',
          project_id: 'tollgate-test',
          private_key_id: 'k1',
          private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
          client_email: 'logger@tollgate-test.iam.gserviceaccount.com',
          client_id: '1',
          token_uri: 'https://oauth2.googleapis.com/token',
        }),
      );
      gateway = await startGateway(
        CONFIG().replace('success_callback: ["generic_api", "langfuse"]', 'success_callback: ["gcs_bucket"]').replace('failure_callback: ["generic_api"]', ''),
        {
          storage,
          env: {
            GCS_BUCKET_NAME: 'acme-llm-logs',
            GCS_PATH_SERVICE_ACCOUNT: keyFile,
            GCS_PATH: 'tollgate',
            STORAGE_EMULATOR_HOST: google.url,
            DEFAULT_FLUSH_INTERVAL_SECONDS: '0.2',
          },
        },
      );
    });
    afterAll(async () => {
      await gateway?.close();
      await google?.stop();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should upload each call's payload as an object named by path, day and call id", async () => {
      const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1` });
      const { response } = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'to gcs' }] }).withResponse();
      const callId = response.headers.get('x-litellm-call-id')!;
      const name = `acme-llm-logs/tollgate/${new Date().toISOString().slice(0, 10)}/${callId}`;
      await until(() => objects.has(name));
      expect(JSON.parse(objects.get(name)!)).toMatchObject({ id: callId, status: 'success', messages: [{ role: 'user', content: 'to gcs' }] });
      expect(tokensChecked).toBeGreaterThan(0);
    });
  });

  describe("team-based logging (a team's metadata.logging)", () => {
    let gateway: TestGateway;
    let teamReceiver: Awaited<ReturnType<typeof startReceiver>>;
    const admin = (path: string, body: unknown): Promise<Response> =>
      fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    beforeAll(async () => {
      teamReceiver = await startReceiver();
      // No proxy-wide callback at all: only the team's destination logs.
      gateway = await startGateway(`general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n  - model_name: gpt-4o\n    litellm_params: { model: mock/gpt-4o }\n`, {
        env: { DEFAULT_FLUSH_INTERVAL_SECONDS: '0.2' },
      });
    });
    afterAll(async () => {
      await gateway?.close();
      await teamReceiver?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it("should send a team's calls to its own destination only, show its secrets masked and keep them on a masked write-back", async () => {
      const logging = [
        {
          callback_name: 'generic_api',
          callback_type: 'success',
          callback_vars: { generic_logger_endpoint: `${teamReceiver.url}/team-a`, generic_logger_headers: { authorization: 'Bearer team-a-secret' } },
        },
      ];
      const teamA = (await (await admin('/team/new', { team_alias: 'a', metadata: { logging } })).json()) as { team_id: string };
      const teamB = (await (await admin('/team/new', { team_alias: 'b' })).json()) as { team_id: string };
      const keyA = ((await (await admin('/key/generate', { team_id: teamA.team_id })).json()) as { key: string }).key;
      const keyB = ((await (await admin('/key/generate', { team_id: teamB.team_id })).json()) as { key: string }).key;
      const call = async (key: string): Promise<string> =>
        (
          await new OpenAI({ apiKey: key, baseURL: `${gateway.url}/v1` }).chat.completions
            .create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'team call' }] })
            .withResponse()
        ).response.headers.get('x-litellm-call-id')!;
      const fromA = await call(keyA);
      const fromB = await call(keyB);
      await until(() => teamReceiver.received.some((r) => (r.body as Payload[]).some((p) => p.id === fromA)));
      const delivery = teamReceiver.received.find((r) => (r.body as Payload[]).some((p) => p.id === fromA))!;
      expect(delivery.path).toBe('/team-a');
      expect(delivery.headers.authorization).toBe('Bearer team-a-secret');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(teamReceiver.received.some((r) => (r.body as Payload[]).some((p) => p.id === fromB))).toBe(false);

      const info = (await (await fetch(`${gateway.url}/team/info?team_id=${teamA.team_id}`, { headers: { authorization: `Bearer ${MASTER_KEY}` } })).json()) as {
        team_info: { metadata: { logging: { callback_vars: Record<string, unknown> }[] } };
      };
      expect(JSON.stringify(info)).not.toContain('team-a-secret');
      // Written back as read (masked), the destination keeps its secret.
      expect((await admin('/team/update', { team_id: teamA.team_id, metadata: info.team_info.metadata })).status).toBe(200);
      const again = await call(keyA);
      await until(() => teamReceiver.received.some((r) => (r.body as Payload[]).some((p) => p.id === again)));
      expect(teamReceiver.received.find((r) => (r.body as Payload[]).some((p) => p.id === again))!.headers.authorization).toBe('Bearer team-a-secret');
    });

    it('should refuse an unusable metadata.logging with a 400 naming the field', async () => {
      const response = await admin('/team/new', { metadata: { logging: [{ callback_name: 'generic_api', callback_vars: { generic_logger_endpoint: 'gopher://x' } }] } });
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: { param: string } }).error.param).toBe('metadata.logging[0].callback_vars.generic_logger_endpoint');
    });
  });

  it('should refuse to boot when a named callback has no destination', async () => {
    await expect(startGateway(CONFIG(), { env: { ...env(), GENERIC_LOGGER_ENDPOINT: '' } })).rejects.toThrow(/GENERIC_LOGGER_ENDPOINT must be set/);
  });
});
