import { assertGuardrailConformance, recordingLogger, streamThrough, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import type { Guardrail } from '@tollgate/guardrail-sdk';
import Ajv from 'ajv';
import {
  BEDROCK_BLOCKED_INPUT_MESSAGE,
  BEDROCK_BLOCKED_OUTPUT_MESSAGE,
  BEDROCK_GUARDRAIL_CREDENTIALS,
  BEDROCK_GUARDRAIL_ID,
  BEDROCK_GUARDRAIL_REGION,
  startBedrockGuardrailsFake,
  type BedrockGuardrailsFake,
} from '../../../test/support/guardrail-vendors/bedrock-guardrails.fake';
import bedrock, { BedrockGuardrailError, type BedrockConfig } from './index';

const init = { instanceName: 'bedrock', logger: recordingLogger(), resolvePath: (path: string) => path };

describe('bedrock guardrail', () => {
  let fake: BedrockGuardrailsFake;
  const config = (extra: Partial<BedrockConfig> = {}): BedrockConfig => ({
    guardrailIdentifier: BEDROCK_GUARDRAIL_ID,
    guardrailVersion: 'DRAFT',
    aws_region_name: BEDROCK_GUARDRAIL_REGION,
    aws_access_key_id: BEDROCK_GUARDRAIL_CREDENTIALS.accessKeyId,
    aws_secret_access_key: BEDROCK_GUARDRAIL_CREDENTIALS.secretAccessKey,
    aws_bedrock_runtime_endpoint: fake.url,
    ...extra,
  });
  const create = (extra: Partial<BedrockConfig> = {}): Promise<Guardrail> => Promise.resolve(bedrock.create(config(extra), init));
  const failureOf = (promise: unknown): Promise<Error> =>
    Promise.resolve(promise).then(
      () => new Error('did not fail'),
      (error: unknown) => error as Error,
    );

  beforeAll(async () => {
    fake = await startBedrockGuardrailsFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.behaviour.delayMs = 0;
    fake.behaviour.failWith = undefined;
  });

  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(bedrock, {
      config: config(),
      inputs: [userInput('give me stock tips'), userInput('mail jane@example.com')],
      outputs: [{ texts: ['We will attack at dawn'] }],
      streamTexts: ['Write to jane@example.com about the plan to attack.'],
    });
  });

  it('should send the user and tool texts as INPUT, signed with SigV4, and let a clean request through', async () => {
    const sut = await create();
    const input = {
      ...userInput(),
      messages: [
        { role: 'system', content: 'Never discuss stock tips.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is the weather?' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        { role: 'assistant', content: 'Let me look.' },
        { role: 'tool', content: 'Sunny, 21 degrees', tool_call_id: 'call_1' },
      ],
    };
    expect(await sut.preCall!(input, testContext())).toEqual({ action: 'allow' });
    expect(fake.requests).toEqual([
      {
        path: `/guardrail/${BEDROCK_GUARDRAIL_ID}/version/DRAFT/apply`,
        body: { source: 'INPUT', content: [{ text: { text: 'What is the weather?' } }, { text: { text: 'Sunny, 21 degrees' } }] },
      },
    ]);
  });

  it("should block what a policy BLOCKED with the guardrail's own messaging and the policy names, never the text", async () => {
    const sut = await create();
    const verdict = await sut.preCall!(userInput('give me stock tips for project-falcon'), testContext());
    expect(verdict).toEqual({
      action: 'block',
      message: `Violated guardrail policy: ${BEDROCK_BLOCKED_INPUT_MESSAGE} (topic Investment advice, custom word)`,
      category: 'bedrock_request_blocked',
    });
    expect(await sut.preCall!(userInput('my ssn is 123-45-6789'), testContext())).toMatchObject({
      message: expect.stringContaining('sensitive information US_SOCIAL_SECURITY_NUMBER'),
    });
    expect(JSON.stringify(await sut.preCall!(userInput('my ssn is 123-45-6789'), testContext()))).not.toContain('6789');
    expect(await sut.duringCall!(userInput('how do I attack the castle'), testContext())).toMatchObject({
      action: 'block',
      message: expect.stringContaining('content filter VIOLENCE'),
    });
  });

  it('should mask what the guardrail ANONYMIZED, in the request and in the reply', async () => {
    const sut = await create();
    const verdict = await sut.preCall!(
      {
        ...userInput(),
        messages: [
          { role: 'system', content: 'Reply to jane@example.com' },
          { role: 'user', content: 'I am at 555-123-4567 or jane@example.com' },
        ],
      },
      testContext(),
    );
    expect(verdict).toEqual({
      action: 'mutate',
      messages: [
        { role: 'system', content: 'Reply to jane@example.com' },
        { role: 'user', content: 'I am at {PHONE} or {EMAIL}' },
      ],
      findings: ['bedrock_anonymized'],
    });
    // Beside the provider call a mask cannot be applied: it is not a block either.
    expect(await sut.duringCall!(userInput('mail jane@example.com'), testContext())).toEqual({ action: 'allow' });
    expect(await sut.postCall!(userInput('x'), { texts: ['', 'Write to bob@example.org'] }, testContext())).toEqual({
      action: 'mutate',
      texts: ['', 'Write to {EMAIL}'],
      findings: ['bedrock_anonymized'],
    });
    expect(fake.requests.at(-1)?.body).toEqual({ source: 'OUTPUT', content: [{ text: { text: 'Write to bob@example.org' } }] });
    expect(await sut.postCall!(userInput('x'), { texts: ['We attack at dawn'] }, testContext())).toMatchObject({
      message: `Violated guardrail policy: ${BEDROCK_BLOCKED_OUTPUT_MESSAGE} (content filter VIOLENCE)`,
    });
  });

  it('should assess a stream every 384 characters and at its end, masking and blocking before the client sees it', async () => {
    const sut = await create();
    const filler = 'All systems are nominal and the report is on schedule for review. ';
    const masked = await streamThrough(sut, [filler.repeat(4), 'Write to jane@', 'example.com today. ', filler.repeat(3), 'Done.'], { windowChars: 512 });
    expect(masked.text).toBe(`${filler.repeat(4)}Write to {EMAIL} today. ${filler.repeat(3)}Done.`);
    expect(fake.requests.length).toBeLessThanOrEqual(3);
    expect(fake.requests.every((request) => request.body.source === 'OUTPUT')).toBe(true);
    const blocked = await streamThrough(sut, ['We will ', 'att', 'ack at dawn']);
    expect(blocked.blocked?.message).toBe(`Violated guardrail policy: ${BEDROCK_BLOCKED_OUTPUT_MESSAGE} (content filter VIOLENCE)`);
  });

  it("should throw (for on_error) on AWS's errors: a bad signature, an unknown version, throttling, a timeout", async () => {
    const forged = await create({ aws_secret_access_key: 'not-the-secret' });
    expect((await failureOf(forged.preCall!(userInput('hello'), testContext()))).message).toBe('Bedrock ApplyGuardrail answered HTTP 403 (InvalidSignatureException)');
    const wrongRegion = await create({ aws_region_name: 'us-east-1' });
    expect((await failureOf(wrongRegion.preCall!(userInput('hello'), testContext()))).message).toBe('Bedrock ApplyGuardrail answered HTTP 403 (InvalidSignatureException)');
    const unknown = await create({ guardrailVersion: '7' });
    const missing = await failureOf(unknown.preCall!(userInput('hello'), testContext()));
    expect(missing).toBeInstanceOf(BedrockGuardrailError);
    expect(missing.message).toBe('Bedrock ApplyGuardrail answered HTTP 404 (ResourceNotFoundException)');
    const sut = await create();
    fake.behaviour.failWith = 429;
    expect((await failureOf(sut.preCall!(userInput('hello'), testContext()))).message).toBe('Bedrock ApplyGuardrail answered HTTP 429 (ThrottlingException)');
    fake.behaviour.failWith = undefined;
    fake.behaviour.delayMs = 300;
    const budget = AbortSignal.timeout(30);
    expect((await failureOf(sut.preCall!(userInput('hello'), testContext({ signal: budget })))).name).toBe('TimeoutError');
  });

  it('should sign temporary credentials with their session token', async () => {
    const sut = await create({ aws_session_token: 'FwoGZXIvYXdzEJr//token' });
    expect(await sut.preCall!(userInput('hello'), testContext())).toEqual({ action: 'allow' });
  });

  describe('config schema', () => {
    const validate = new Ajv({ strict: false }).compile(bedrock.manifest.configSchema);
    const base = { guardrailIdentifier: 'gr1', guardrailVersion: 'DRAFT', aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE', aws_secret_access_key: 'secret' };
    it.each([
      [base, true],
      [{ ...base, aws_region_name: 'eu-central-1', aws_bedrock_runtime_endpoint: 'https://vpce-1.bedrock-runtime.eu-central-1.vpce.amazonaws.com' }, true],
      [{ ...base, guardrailVersion: undefined }, false],
      [{ ...base, aws_secret_access_key: undefined }, false],
      [{ ...base, aws_region_name: 'Frankfurt' }, false],
    ])('should judge %j valid: %s', (candidate, valid) => {
      expect(validate(JSON.parse(JSON.stringify(candidate)))).toBe(valid);
    });
  });
});
