import { assertGuardrailConformance, recordingLogger, streamThrough, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import type { Guardrail } from '@tollgate/guardrail-sdk';
import Ajv from 'ajv';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GENERIC_GUARDRAIL_API_KEY, startGenericGuardrailFake, type GenericGuardrailFake } from '../../../test/support/guardrail-vendors/generic-guardrail-api.fake';
import generic, { GenericGuardrailApiError, type GenericGuardrailApiConfig } from './index';

describe('generic-guardrail-api guardrail', () => {
  let fake: GenericGuardrailFake;
  const logger = recordingLogger();
  const config = (extra: Partial<GenericGuardrailApiConfig> = {}): GenericGuardrailApiConfig => ({ api_base: fake.url, api_key: GENERIC_GUARDRAIL_API_KEY, ...extra });
  const create = (extra: Partial<GenericGuardrailApiConfig> = {}): Promise<Guardrail> =>
    Promise.resolve(generic.create(config(extra), { instanceName: 'generic', logger, resolvePath: (path) => path }));
  const failureOf = (promise: unknown): Promise<Error> =>
    Promise.resolve(promise).then(
      () => new Error('did not fail'),
      (error: unknown) => error as Error,
    );

  beforeAll(async () => {
    fake = await startGenericGuardrailFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.behaviour.delayMs = 0;
    fake.behaviour.failWith = undefined;
    logger.lines.length = 0;
  });

  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(generic, {
      config: config(),
      inputs: [userInput('tell me about the forbidden-topic'), userInput('status of codename-falcon?')],
      outputs: [{ texts: ['codename-falcon ships soon'] }],
      streamTexts: ['The codename-falcon launch is near; the forbidden-topic stays closed.'],
    });
  });

  it('should send the contract: phase, input_type, messages, texts, metadata, who is calling, and the configured params', async () => {
    const sut = await create({ additional_provider_specific_params: { policy: 'strict' } });
    const input = {
      operation: 'chat' as const,
      model: 'gpt-4o',
      user: 'end-user-7',
      metadata: { tags: ['support'] },
      messages: [
        { role: 'system', content: 'Be kind.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'hello' },
            { type: 'image_url', image_url: { url: 'https://example.com/x.png' } },
          ],
        },
      ],
    };
    expect(await sut.preCall!(input, testContext({ requestId: 'chatcmpl-42', keyId: 'hash-1', teamId: 'team-a', guardrailName: 'policy-service' }))).toEqual({ action: 'allow' });
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${GENERIC_GUARDRAIL_API_KEY}`);
    expect(fake.requests[0].body).toEqual({
      phase: 'pre_call',
      input_type: 'request',
      operation: 'chat',
      model: 'gpt-4o',
      messages: input.messages,
      texts: ['Be kind.', 'hello'],
      metadata: { tags: ['support'] },
      request_data: { user_api_key_hash: 'hash-1', user_api_key_team_id: 'team-a', user_api_key_end_user_id: 'end-user-7' },
      litellm_call_id: 'chatcmpl-42',
      guardrail_name: 'policy-service',
      additional_provider_specific_params: { policy: 'strict' },
    });
  });

  it.each([['tollgate'], ['litellm']])('should map the %s dialect: block with the reason, mutate into the same text slots', async (dialect) => {
    const sut = await create({ additional_provider_specific_params: { dialect } });
    expect(await sut.preCall!(userInput('tell me about the forbidden-topic'), testContext({ guardrailName: 'policy' }))).toEqual({
      action: 'block',
      message: 'Content blocked by guardrail policy: the topic is not allowed',
      category: dialect === 'litellm' ? 'generic_guardrail_api' : 'topic',
    });
    const input = {
      ...userInput(),
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'is codename-falcon late?' },
            { type: 'text', text: 'fine' },
          ],
        },
      ],
    };
    expect(await sut.preCall!(input, testContext())).toEqual({
      action: 'mutate',
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'is [codename] late?' },
            { type: 'text', text: 'fine' },
          ],
        },
      ],
      findings: ['generic_guardrail_api'],
    });
    expect(await sut.postCall!(userInput('x'), { texts: ['codename-falcon ships'] }, testContext())).toEqual({
      action: 'mutate',
      texts: ['[codename] ships'],
      findings: ['generic_guardrail_api'],
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({ phase: 'post_call', input_type: 'response', texts: ['codename-falcon ships'] });
  });

  it('should only block in during_call: a rewrite there cannot reach the provider', async () => {
    const sut = await create();
    expect(await sut.duringCall!(userInput('codename-falcon'), testContext({ logger }))).toEqual({ action: 'allow' });
    expect(logger.lines).toEqual(['warn: the guardrail service rewrote a request in during_call; ignored (only pre_call rewrites reach the provider)']);
    expect(await sut.duringCall!(userInput('forbidden-topic'), testContext())).toMatchObject({ action: 'block' });
  });

  it('should rewrite and block streams, paced, with the offset of the text it sends', async () => {
    const sut = await create();
    const filler = 'Release notes follow, with every fix listed below in order of impact. ';
    const rewritten = await streamThrough(sut, [filler.repeat(6), 'The codename-', 'falcon build is green. ', 'Done.'], { windowChars: 512 });
    expect(rewritten.text).toBe(`${filler.repeat(6)}The [codename] build is green. Done.`);
    expect(fake.requests.length).toBeLessThanOrEqual(3);
    expect(fake.requests.every((request) => request.body.phase === 'streaming' && request.body.input_type === 'response')).toBe(true);
    expect(fake.requests.at(-1)?.body.stream).toMatchObject({ final: true });
    const blocked = await streamThrough(sut, ['the forbidden', '-topic is'], { ctx: testContext({ guardrailName: 'policy' }) });
    expect(blocked.blocked?.message).toBe('Content blocked by guardrail policy: the topic is not allowed');
  });

  it('should send the key in another header and further static headers, and fail on a refused key', async () => {
    const other = await startGenericGuardrailFake({ authHeader: 'x-api-key' });
    try {
      const sut = await Promise.resolve(
        generic.create(
          { api_base: other.url, api_key: GENERIC_GUARDRAIL_API_KEY, api_key_header: 'X-Api-Key', headers: { 'X-Tenant': 'acme' } },
          { instanceName: 'g', logger, resolvePath: (path) => path },
        ),
      );
      expect(await sut.preCall!(userInput('hello'), testContext())).toEqual({ action: 'allow' });
      expect(other.requests[0].headers).toMatchObject({ 'x-api-key': GENERIC_GUARDRAIL_API_KEY, 'x-tenant': 'acme' });
    } finally {
      await other.close();
    }
    const wrongKey = await create({ api_key: 'wrong' });
    const refused = await failureOf(wrongKey.preCall!(userInput('hello'), testContext()));
    expect(refused).toBeInstanceOf(GenericGuardrailApiError);
    expect(refused.message).toBe('the guardrail service answered HTTP 401');
  });

  it('should let calls through while the service is unreachable only with unreachable_fallback: fail_open', async () => {
    const open = await create({ unreachable_fallback: 'fail_open' });
    const closed = await create();
    fake.behaviour.failWith = 503;
    expect(await open.preCall!(userInput('hello'), testContext({ logger }))).toEqual({ action: 'allow' });
    expect(logger.lines).toEqual(['warn: the guardrail service answered HTTP 503; the call goes on (unreachable_fallback: fail_open)']);
    expect((await failureOf(closed.preCall!(userInput('hello'), testContext()))).message).toBe('the guardrail service answered HTTP 503');
    // A 500 is the service failing, not being unreachable: on_error decides.
    fake.behaviour.failWith = 500;
    expect((await failureOf(open.preCall!(userInput('hello'), testContext()))).message).toBe('the guardrail service answered HTTP 500');
    fake.behaviour.failWith = undefined;
    const down = await create({ api_base: 'http://127.0.0.1:9', unreachable_fallback: 'fail_open' });
    expect(await down.preCall!(userInput('hello'), testContext())).toEqual({ action: 'allow' });
    // Running out of time stays a timeout for on_error, reachable or not.
    fake.behaviour.delayMs = 300;
    expect((await failureOf(open.preCall!(userInput('hello'), testContext({ signal: AbortSignal.timeout(30) })))).name).toBe('TimeoutError');
  });

  it('should treat answers outside the contract as failures', async () => {
    const answers = [{ action: 'maybe' }, { action: 'mutate' }, { action: 'mutate', texts: ['a', 'b'] }];
    let next = 0;
    const rogue: Server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers[next++] ?? 'not an object'));
    });
    await new Promise<void>((resolve) => rogue.listen(0, '127.0.0.1', resolve));
    try {
      const sut = await create({ api_base: `http://127.0.0.1:${(rogue.address() as AddressInfo).port}` });
      const messages = [];
      for (let i = 0; i < 4; i++) messages.push((await failureOf(sut.preCall!(userInput('hello'), testContext()))).message);
      expect(messages).toEqual([
        'the guardrail service answered an unknown action',
        'the guardrail service answered mutate without texts',
        'the guardrail service answered 2 text(s) for 1',
        'the guardrail service answered an unknown action',
      ]);
    } finally {
      rogue.close();
    }
  });

  describe('config schema', () => {
    const validate = new Ajv({ strict: false }).compile(generic.manifest.configSchema);
    it.each([
      [{ api_base: 'https://guard.internal' }, true],
      [{ api_base: 'https://guard.internal', api_key: 'k', api_key_header: 'x-api-key', headers: { 'x-tenant': 'a' }, unreachable_fallback: 'fail_open' }, true],
      [{}, false],
      [{ api_base: 'guard.internal' }, false],
      [{ api_base: 'https://guard.internal', unreachable_fallback: 'retry' }, false],
    ])('should judge %j valid: %s', (candidate, valid) => {
      expect(validate(candidate)).toBe(valid);
    });
  });
});
