import type { APIError } from 'openai';
import type OpenAI from 'openai';
import { DataSource } from 'typeorm';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { startGateway } from './support/gateway-harness';
import { SAGEMAKER_TEST_CREDENTIALS, SAGEMAKER_TEST_REGION, sagemakerMock } from './support/mock-providers/sagemaker.mock';
import { useProviderGateway } from './support/provider-gateway';

const MASTER_KEY = 'sk-e2e-master';
const LLAMA_CHAT = 'jumpstart-dft-meta-textgeneration-llama-2-7b-chat';
const LLAMA_GUARD = 'jumpstart-dft-meta-textgeneration-llama-guard-7b';

interface SpendRow {
  custom_llm_provider: string;
  spend: number;
  prompt_tokens: number;
  completion_tokens: number;
}

describe('SageMaker adapter (e2e, openai SDK → gateway → SigV4-checking SageMaker Runtime mock)', () => {
  const env = useProviderGateway([sagemakerMock], MASTER_KEY, async (mock) => {
    process.env.AWS_EC2_METADATA_DISABLED = 'true';
    const entry = (name: string, model: string, extra = ''): string => `  - { model_name: ${name}, litellm_params: { model: ${model}, api_base: "${mock.url}"${extra} } }\n`;
    const yaml = `general_settings:
  master_key: ${MASTER_KEY}
model_list:
${entry('llama-chat', `sagemaker/${LLAMA_CHAT}`, ', input_cost_per_token: 0.000001, output_cost_per_token: 0.000002')}${entry('llamaguard', `sagemaker/${LLAMA_GUARD}`)}${entry('tgi-messages', 'sagemaker_chat/tgi-mistral-7b')}${entry('tgi-components', 'sagemaker_chat/shared-components', ', model_id: mistral-ic-1')}${entry('tgi-broken', 'sagemaker/tgi-model-error')}${entry('tgi-stream-error', 'sagemaker/tgi-stream-error')}${entry('wrong-secret', `sagemaker/${LLAMA_CHAT}`, ', aws_secret_access_key: not-the-secret')}${entry('wrong-region', `sagemaker/${LLAMA_CHAT}`, ', aws_region_name: us-east-1')}`;
    // Credentials and region from the environment under LiteLLM's names, as the LlamaGuard example sets them.
    return startGateway(yaml, {
      env: { AWS_ACCESS_KEY_ID: SAGEMAKER_TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: SAGEMAKER_TEST_CREDENTIALS.secretAccessKey, AWS_REGION_NAME: SAGEMAKER_TEST_REGION },
    });
  });

  const rowOf = async (requestId: string): Promise<SpendRow> => {
    await env.gateway.app.get(SpendLedgerService).flush();
    const rows = (await env.gateway.app.get(DataSource).query('SELECT * FROM tollgate_spend_logs WHERE request_id = $1', [requestId])) as SpendRow[];
    expect(rows).toHaveLength(1);
    return rows[0];
  };
  const call = (model: string): Promise<APIError> =>
    env.client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e as APIError) as Promise<APIError>;

  it("should sign InvokeEndpoint for service sagemaker and send TGI's body with Llama-2's chat template", async () => {
    const { data, response } = await env.client.chat.completions
      .create({
        model: 'llama-chat',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hello' },
        ],
        max_tokens: 50,
        temperature: 0,
      })
      .withResponse();
    const prompt = '[INST] <<SYS>>\nBe brief.\n<</SYS>>\n [/INST]\n[INST] Hello [/INST]\n';
    expect(data.choices[0].message.content).toBe(`TGI ${LLAMA_CHAT} echo: ${prompt}`);
    expect(data.choices[0].finish_reason).toBe('stop');
    const [sent] = env.mock.requests;
    expect(sent.path).toBe(`/endpoints/${LLAMA_CHAT}/invocations`);
    expect(sent.headers.authorization).toMatch(
      new RegExp(`^AWS4-HMAC-SHA256 Credential=${SAGEMAKER_TEST_CREDENTIALS.accessKeyId}/\\d{8}/${SAGEMAKER_TEST_REGION}/sagemaker/aws4_request`),
    );
    expect(JSON.stringify(sent.headers)).not.toContain(SAGEMAKER_TEST_CREDENTIALS.secretAccessKey);
    // LiteLLM's guards: TGI refuses a zero temperature.
    expect(sent.body).toEqual({ inputs: prompt, parameters: { max_new_tokens: 50, temperature: 0.01 } });
    const row = await rowOf(data.id);
    expect(row.custom_llm_provider).toBe('sagemaker');
    expect(row.prompt_tokens).toBeGreaterThan(0);
    expect(Number(row.spend)).toBeGreaterThan(0);
    expect(Number(response.headers.get('x-litellm-response-cost'))).toBe(Number(row.spend));
  });

  it("should serve the seed's LlamaGuard endpoint with LiteLLM's default prompt", async () => {
    const data = await env.client.chat.completions.create({ model: 'llamaguard', messages: [{ role: 'user', content: 'Is this safe?' }] });
    expect(data.choices[0].message.content).toBe(`TGI ${LLAMA_GUARD} echo: Is this safe?`);
    expect(env.mock.requests[0].body).toEqual({ inputs: 'Is this safe?', parameters: {} });
  });

  it('should stream InvokeEndpointWithResponseStream: PayloadParts reassembled into TGI token events, special tokens left out', async () => {
    const stream = await env.client.chat.completions.create({
      model: 'llama-chat',
      messages: [{ role: 'user', content: 'stream it' }],
      max_tokens: 64,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe(`TGI ${LLAMA_CHAT} echo: [INST] stream it [/INST]\n`);
    expect(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length).toBeGreaterThan(4);
    expect(chunks.find((chunk) => chunk.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe('stop');
    const [sent] = env.mock.requests;
    expect(sent.path).toBe(`/endpoints/${LLAMA_CHAT}/invocations-response-stream`);
    expect(sent.body).toMatchObject({ stream: true });
    const usage = chunks.at(-1)?.usage;
    expect(usage?.completion_tokens).toBe(chunks.filter((chunk) => chunk.choices[0]?.delta?.content).length + 1);
    const row = await rowOf(chunks[0].id);
    expect(row).toMatchObject({ custom_llm_provider: 'sagemaker', completion_tokens: usage?.completion_tokens });
    expect(Number(row.spend)).toBeGreaterThan(0);
  });

  it("should send OpenAI's chat body to a Messages-API endpoint (sagemaker_chat), streamed and not", async () => {
    const data = await env.client.chat.completions.create({
      model: 'tgi-messages',
      messages: [{ role: 'user', content: 'Hi TGI' }],
      max_tokens: 20,
      metadata: { tags: ['a'] } as never,
    });
    expect(data.choices[0].message.content).toBe('TGI chat tgi-mistral-7b echo: Hi TGI');
    expect(env.mock.requests[0].body).toEqual({ model: 'tgi-mistral-7b', messages: [{ role: 'user', content: 'Hi TGI' }], max_tokens: 20 });
    expect((await rowOf(data.id)).custom_llm_provider).toBe('sagemaker_chat');

    const stream = await env.client.chat.completions.create({
      model: 'tgi-messages',
      messages: [{ role: 'user', content: 'stream please' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('')).toBe('TGI chat tgi-mistral-7b echo: stream please');
    expect(env.mock.requests[1].path).toBe('/endpoints/tgi-mistral-7b/invocations-response-stream');
    expect(chunks.at(-1)?.usage?.completion_tokens).toBeGreaterThan(0);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
  });

  it('should name the inference component (model_id) in its header', async () => {
    const data = await env.client.chat.completions.create({ model: 'tgi-components', messages: [{ role: 'user', content: 'component' }] });
    expect(data.choices[0].message.content).toContain('echo: component');
    expect(env.mock.requests[0].headers['x-amzn-sagemaker-inference-component']).toBe('mistral-ic-1');
  });

  it('should map container errors, a wrong secret or region, and a stream that fails midway', async () => {
    const broken = await call('tgi-broken');
    expect(broken.status).toBe(400);
    expect(broken.message).toContain('litellm.ContextWindowExceededError: SagemakerException - Received client error (422) from primary');
    const secret = await call('wrong-secret');
    expect(secret.status).toBe(403);
    expect(secret.message).toContain('AuthenticationError: SagemakerException - The request signature we calculated does not match');
    const region = await call('wrong-region');
    expect(region.status).toBe(403);
    expect(region.message).toContain('Credential should be scoped');

    const response = await fetch(`${env.gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'tgi-stream-error', messages: [{ role: 'user', content: 'go on then, a few words' }], stream: true }),
    });
    const text = await response.text();
    expect(text).toContain('echo');
    expect(text).toContain('SagemakerException - ModelStreamError: Your model ran out of memory');
    expect(text).not.toContain('[DONE]');
  });
});
