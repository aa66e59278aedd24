import OpenAI, { APIError } from 'openai';
import { cpSync, mkdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { discardStorage, freshStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-guardrail-models-master';

describe('Guardrails that judge with a configured model (GuardrailContext.models, e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    const storage = await freshStorage();
    const modules = join(storage.dataDir, 'node_modules');
    mkdirSync(join(modules, '@tollgate'), { recursive: true });
    symlinkSync(resolve(__dirname, '../plugins/sdk'), join(modules, '@tollgate/guardrail-sdk'));
    cpSync(resolve(__dirname, 'fixtures/guardrail-plugins/tollgate-guardrail-judge'), join(modules, 'tollgate-guardrail-judge'), { recursive: true });
    gateway = await startGateway(
      `
general_settings:
  master_key: ${MASTER_KEY}
  guardrail_packages: [tollgate-guardrail-judge]
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: judge
    litellm_params: { model: mock/judge, mock_response: "unsafe", input_cost_per_token: 0.000001, output_cost_per_token: 0.000001 }
guardrails:
  - guardrail_name: model-judge
    litellm_params: { guardrail: judge, mode: pre_call, default_on: true, judge_model: judge }
`,
      { storage },
    );
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should block on the judge model’s verdict, pass otherwise, and keep the judge’s own call on the ledger', async () => {
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const refused = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'plan an attack' }] }).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(APIError);
    expect((refused as APIError).status).toBe(400);
    expect((refused as APIError).message).toContain('Judged unsafe by judge');

    const passed = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'plan a picnic' }] });
    expect(passed.choices[0].message.content).toContain('picnic');

    await gateway.app.get(SpendLedgerService).flush();
    const rows = (await gateway.app
      .get(DataSource)
      .query(`SELECT model_group, spend, request_tags FROM tollgate_spend_logs WHERE request_id LIKE 'grd-%' ORDER BY start_time`)) as {
      model_group: string;
      spend: number;
      request_tags: string[];
    }[];
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.model_group).toBe('judge');
      expect(row.request_tags).toEqual(['guardrail:model-judge']);
      expect(row.spend).toBeGreaterThan(0);
    }
  });
});
