import { execSync } from 'node:child_process';
import OpenAI from 'openai';
import { Client } from 'pg';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway, type TestStorage } from './support/gateway-harness';
import { type MockUpstreamProcess, startMockUpstreamProcess } from './support/mock-upstream.process';

/**
 * Stops the real PostgreSQL server in the middle of a load and starts it again. Needs a server it may stop:
 * `.ci/run` sets DATABASE_URL and the two commands, and runs this suite on its own, after the others.
 */
const STOP = process.env.TOLLGATE_TEST_PG_STOP;
const START = process.env.TOLLGATE_TEST_PG_START;
const runnable = Boolean(process.env.DATABASE_URL && STOP && START);

const MASTER_KEY = 'sk-outage-master';
const OUTPUT_PRICE = 0.00001;
const COMPLETION_TOKENS = 10;

(runnable ? describe : describe.skip)('Spend ledger through a PostgreSQL outage (e2e, real server)', () => {
  let mock: MockUpstreamProcess;
  let gateway: TestGateway | undefined;
  let storage: TestStorage;

  const config = () => `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: priced
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${mock.baseUrl}, api_key: sk-upstream, input_cost_per_token: 0, output_cost_per_token: ${OUTPUT_PRICE} }
`;

  beforeAll(async () => {
    mock = await startMockUpstreamProcess(['--completion-tokens', String(COMPLETION_TOKENS), '--latency', '5']);
    gateway = await startGateway(config());
    storage = gateway.storage;
  });

  afterAll(async () => {
    startServer();
    await gateway?.close();
    await mock?.close();
    if (storage) discardStorage(storage);
  });

  it('should give every call accepted during the outage exactly one row, and counters equal to the rows', async () => {
    const api = apiClient(() => gateway!.url, MASTER_KEY);
    const { body: generated } = await api.post<{ key: string; token: string }>('/key/generate', { max_budget: 1000 });
    const client = new OpenAI({ apiKey: generated.key, baseURL: `${gateway!.url}/v1`, maxRetries: 0, timeout: 10_000 });
    // The key is cached by the first call; from then on the hot path needs no database.
    await client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'warm up' }] });

    const accepted: string[] = [];
    let refused = 0;
    let running = true;
    const worker = async (): Promise<void> => {
      while (running) {
        try {
          const completion = await client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }], user: 'outage-customer' });
          accepted.push(completion.id);
        } catch (e) {
          if (refused < 3) process.stderr.write(`REFUSED ${Date.now()} ${(e as { status?: number }).status} ${(e as Error).message}\n`);
          refused++;
        }
      }
    };
    const chat = (apiKey: string) =>
      fetch(`${gateway!.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] }),
      });
    // A wrong key is remembered as unknown before the outage.
    expect((await chat('sk-wrong-before-outage')).status).toBe(401);

    const load = Promise.all([worker(), worker(), worker(), worker()]);
    await sleep(1_000);
    stopServer();
    const acceptedBeforeOutage = accepted.length;
    // Longer than the 5 s an unknown end user or key is remembered: the database is asked again during the outage,
    // and the answer it last gave has to stand.
    await sleep(6_000);
    const acceptedDuringOutage = accepted.length - acceptedBeforeOutage;
    expect((await chat('sk-wrong-before-outage')).status).toBe(401);
    // A key never seen cannot be checked without the database: a retryable 503, not a 500.
    const unseen = await chat('sk-never-seen-before');
    expect(unseen.status).toBe(503);
    expect(unseen.headers.get('retry-after')).toBe('1');
    expect(((await unseen.json()) as { error: { type: string } }).error.type).toBe('service_unavailable_error');
    const metrics = await (await fetch(`${gateway!.url}/metrics`)).text();
    expect(Number(/^tollgate_spend_ledger_queued_rows (\d+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    expect(Number(/^tollgate_spend_ledger_outage_seconds ([\d.]+)$/m.exec(metrics)?.[1])).toBeGreaterThan(0);
    startServer();
    await sleep(1_000);
    running = false;
    await load;

    expect(acceptedDuringOutage).toBeGreaterThan(0);
    const ledger = gateway!.app.get(SpendLedgerService);
    for (let attempt = 0; attempt < 50 && ledger.status().queuedRows > 0; attempt++) {
      await ledger.flush();
      await sleep(200);
    }
    expect(ledger.status()).toMatchObject({ queuedRows: 0, outageSince: null });

    const db = new Client({ connectionString: storage.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ request_id: string; spend: number }>(`SELECT request_id, spend FROM tollgate_spend_logs WHERE api_key = $1 AND status = 'success'`, [
        generated.token,
      ]);
      const logged = new Set(rows.map((row) => row.request_id));
      // Warm-up call + every accepted call, each exactly once (request_id is the primary key).
      expect(rows.length).toBe(accepted.length + 1);
      for (const id of accepted) expect(logged.has(id)).toBe(true);
      const rowSum = rows.reduce((sum, row) => sum + row.spend, 0);
      const { rows: counters } = await db.query<{ spend: number }>('SELECT spend FROM tollgate_virtual_keys WHERE token = $1', [generated.token]);
      expect(counters[0].spend).toBeCloseTo(rowSum, 10);
      expect(rowSum).toBeCloseTo((accepted.length + 1) * COMPLETION_TOKENS * OUTPUT_PRICE, 10);
      const { rows: endUsers } = await db.query<{ spend: number }>(`SELECT spend FROM tollgate_end_users WHERE user_id = 'outage-customer'`);
      expect(endUsers[0].spend).toBeCloseTo(accepted.length * COMPLETION_TOKENS * OUTPUT_PRICE, 10);
    } finally {
      await db.end();
    }
    // Calls were served through the outage, not refused.
    expect(refused).toBe(0);
  });

  it('should write at the next start what a gateway stopped during an outage could not', async () => {
    const api = apiClient(() => gateway!.url, MASTER_KEY);
    const { body: generated } = await api.post<{ key: string; token: string }>('/key/generate', {});
    const client = new OpenAI({ apiKey: generated.key, baseURL: `${gateway!.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'warm up' }] });
    stopServer();
    const during = await Promise.all(Array.from({ length: 10 }, () => client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] })));
    await gateway!.close();
    gateway = undefined;
    startServer();
    gateway = await startGateway(config(), { storage });

    const db = new Client({ connectionString: storage.databaseUrl });
    await db.connect();
    try {
      const { rows } = await db.query<{ request_id: string }>('SELECT request_id FROM tollgate_spend_logs WHERE request_id = ANY($1)', [during.map((c) => c.id)]);
      expect(rows).toHaveLength(10);
      const { rows: counters } = await db.query<{ spend: number }>('SELECT spend FROM tollgate_virtual_keys WHERE token = $1', [generated.token]);
      expect(counters[0].spend).toBeCloseTo(11 * COMPLETION_TOKENS * OUTPUT_PRICE, 10);
    } finally {
      await db.end();
    }
  });
});

function stopServer(): void {
  execSync(STOP!, { stdio: 'ignore' });
}

function startServer(): void {
  execSync(START!, { stdio: 'ignore' });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
