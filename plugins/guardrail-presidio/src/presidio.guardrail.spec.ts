import { assertGuardrailConformance, recordingLogger, streamThrough, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import type { Guardrail, GuardrailContext } from '@tollgate/guardrail-sdk';
import Ajv from 'ajv';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPresidioFake, type PresidioFake } from '../../../test/support/guardrail-vendors/presidio.fake';
import presidio, { type PresidioConfig } from './index';
import { PresidioServiceError } from './presidio.client';

const init = (dir = '/') => ({ instanceName: 'pii', logger: recordingLogger(), resolvePath: (path: string) => join(dir, path) });

describe('presidio guardrail', () => {
  let fake: PresidioFake;
  const config = (extra: Partial<PresidioConfig> = {}): PresidioConfig => ({
    presidio_analyzer_api_base: fake.analyzerUrl,
    presidio_anonymizer_api_base: fake.anonymizerUrl,
    ...extra,
  });
  const create = (extra: Partial<PresidioConfig> = {}): Promise<Guardrail> => Promise.resolve(presidio.create(config(extra), init()));

  beforeAll(async () => {
    fake = await startPresidioFake();
  });
  afterAll(() => fake.close());
  beforeEach(() => {
    fake.requests.length = 0;
    fake.behaviour.delayMs = 0;
    fake.behaviour.failWith = undefined;
  });

  it('should conform to the guardrail SDK, in every output mode', async () => {
    const inputs = [userInput('I am Jane Doe, write to jane@example.com')];
    const streamTexts = ['Dear <PERSON_1>, your number 555-123-4567 is on file.'];
    await assertGuardrailConformance(presidio, { config: config(), inputs, streamTexts });
    await assertGuardrailConformance(presidio, { config: config({ output_parse_pii: true }), inputs, streamTexts });
    await assertGuardrailConformance(presidio, { config: config({ apply_to_output: true, pii_entities_config: { PERSON: 'MASK', US_SSN: 'BLOCK' } }), inputs, streamTexts });
  });

  it('should mask PII through the analyzer and the anonymizer before the provider sees it', async () => {
    const sut = await create();
    const verdict = await sut.preCall!(
      {
        ...userInput('I am Jane Doe, mail jane@example.com'),
        messages: [
          { role: 'system', content: 'Be brief.' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Call John Smith' },
              { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
            ],
          },
          { role: 'user', content: 'I am Jane Doe, mail jane@example.com' },
        ],
      },
      testContext(),
    );
    expect(verdict).toEqual({
      action: 'mutate',
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Call <PERSON>' },
            { type: 'image_url', image_url: { url: 'https://example.com/a.png' } },
          ],
        },
        { role: 'user', content: 'I am <PERSON>, mail <EMAIL_ADDRESS>' },
      ],
      findings: ['PERSON', 'EMAIL_ADDRESS'],
    });
    expect(fake.requests.filter((request) => request.service === 'analyzer').map((request) => request.body)).toEqual(
      expect.arrayContaining([{ text: 'I am Jane Doe, mail jane@example.com', language: 'en' }]),
    );
    const anonymize = fake.requests.find((request) => request.service === 'anonymizer' && request.body.text === 'I am Jane Doe, mail jane@example.com');
    expect(anonymize?.body.analyzer_results).toEqual([
      { entity_type: 'PERSON', start: 5, end: 13, score: 0.85 },
      { entity_type: 'EMAIL_ADDRESS', start: 20, end: 36, score: 1 },
    ]);
    expect(await sut.preCall!(userInput('Nothing personal here'), testContext())).toEqual({ action: 'allow' });
    expect(fake.requests.filter((request) => request.service === 'anonymizer')).toHaveLength(2);
  });

  it("should refuse a BLOCK entity with LiteLLM's message, which names the type and never the value", async () => {
    const sut = await create({ pii_entities_config: { US_SSN: 'BLOCK', EMAIL_ADDRESS: 'MASK' } });
    const verdict = await sut.preCall!(userInput('my ssn is 123-45-6789'), testContext({ guardrailName: 'pii-guard' }));
    expect(verdict).toEqual({ action: 'block', message: 'Blocked PII entity detected: US_SSN by Guardrail: pii-guard.', category: 'pii' });
    expect(JSON.stringify(verdict)).not.toContain('6789');
    // Only the configured entity types are asked for: a person goes through unmasked.
    expect(fake.requests[0].body.entities).toEqual(['US_SSN', 'EMAIL_ADDRESS']);
    expect(await sut.preCall!(userInput('Jane Doe at jane@example.com'), testContext())).toMatchObject({ messages: [{ content: 'Jane Doe at <EMAIL_ADDRESS>' }] });
    expect(await sut.duringCall!(userInput('ssn 123-45-6789'), testContext())).toMatchObject({ action: 'block' });
    expect(await sut.duringCall!(userInput('jane@example.com'), testContext())).toEqual({ action: 'allow' });
  });

  it('should drop detections under the score thresholds and entity types on the deny list', async () => {
    const sut = await create({ presidio_score_thresholds: { ALL: 0.5, PHONE_NUMBER: 0.8 }, presidio_entities_deny_list: ['LOCATION'] });
    const verdict = await sut.preCall!(userInput('Bob in Berlin: 555-123-4567, jane@example.com'), testContext());
    expect(verdict).toMatchObject({ messages: [{ content: 'Bob in Berlin: 555-123-4567, <EMAIL_ADDRESS>' }], findings: ['EMAIL_ADDRESS'] });
  });

  it('should analyze in the language a request asks for (metadata.guardrail_config.language)', async () => {
    const sut = await create();
    const input = { ...userInput('Soy Jane Doe, jane@example.com'), metadata: { guardrail_config: { language: 'es' } } };
    expect(await sut.preCall!(input, testContext())).toMatchObject({ messages: [{ content: 'Soy Jane Doe, <EMAIL_ADDRESS>' }] });
    expect(fake.requests[0].body.language).toBe('es');
  });

  it('should use numbered placeholders with output_parse_pii and put the originals back into the reply', async () => {
    const sut = await create({ output_parse_pii: true });
    const ctx = testContext();
    const verdict = await sut.preCall!(userInput('I am Jane Doe and she is Maria Garcia', 'Jane Doe again, at jane@example.com'), ctx);
    expect(verdict).toMatchObject({ messages: [{ content: 'I am <PERSON_1> and she is <PERSON_2>' }, { content: '<PERSON_1> again, at <EMAIL_ADDRESS_1>' }] });
    // output_parse_pii masks locally (numbered per call), so only the analyzer is asked.
    expect(fake.requests.every((request) => request.service === 'analyzer')).toBe(true);
    const reply = await sut.postCall!(userInput('x'), { texts: ['Hello <PERSON_1>, I wrote to <EMAIL_ADDRESS_1>.', 'Bye <PERSON_2'] }, ctx);
    expect(reply).toEqual({ action: 'mutate', texts: ['Hello Jane Doe, I wrote to jane@example.com.', 'Bye Maria Garcia'] });
    // Another call has its own placeholders: nothing to put back.
    expect(await sut.postCall!(userInput('x'), { texts: ['Hello <PERSON_1>'] }, testContext())).toEqual({ action: 'allow' });
  });

  it('should put the originals back into a stream, a placeholder split across chunks included', async () => {
    const sut = await create({ output_parse_pii: true });
    const ctx = testContext();
    await sut.preCall!(userInput('I am Jane Doe, mail jane@example.com'), ctx);
    const run = await streamThrough(sut, ['Hi <PER', 'SON_1>! I will mail <EMA', 'IL_ADDRESS_1> to', 'day.'], { ctx, windowChars: 256 });
    expect(run.text).toBe('Hi Jane Doe! I will mail jane@example.com today.');
    expect(run.windows[0].text).toBe('Hi <PER');
  });

  it('should mask PII in replies and streams with apply_to_output, waiting for a name that may still grow', async () => {
    const sut = await create({ apply_to_output: true });
    expect(await sut.postCall!(userInput('x'), { texts: ['Ask Jane Doe', 'nothing'] }, testContext())).toEqual({
      action: 'mutate',
      texts: ['Ask <PERSON>', 'nothing'],
      findings: ['PERSON'],
    });
    fake.requests.length = 0;
    const filler = 'The weather is mild and the forecast says so for the next days. '.repeat(3);
    const run = await streamThrough(sut, [filler, 'Please ask Jane', ' Doe or write to jane@', 'example.com. ', filler, 'Thanks.'], { windowChars: 256 });
    expect(run.text).toBe(`${filler}Please ask <PERSON> or write to <EMAIL_ADDRESS>. ${filler}Thanks.`);
    // Paced: a few analyzer calls for the whole reply, not one per chunk.
    expect(fake.requests.filter((request) => request.service === 'analyzer')).toHaveLength(3);
  });

  it('should refuse a BLOCK entity in a stream with apply_to_output', async () => {
    const sut = await create({ apply_to_output: true, pii_entities_config: { US_SSN: 'BLOCK' } });
    const run = await streamThrough(sut, ['your ssn ', 'is 123-45-', '6789'], { ctx: testContext({ guardrailName: 'pii' }) });
    expect(run.blocked).toEqual({ action: 'block', message: 'Blocked PII entity detected: US_SSN by Guardrail: pii.', category: 'pii' });
  });

  it('should read ad-hoc recognizers from a JSON file next to the config and send them to the analyzer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'presidio-'));
    const recognizers = [{ name: 'Project names', supported_language: 'en', supported_entity: 'PROJECT', deny_list: ['Bluebird'] }];
    writeFileSync(join(dir, 'recognizers.json'), JSON.stringify(recognizers));
    const sut = await presidio.create(config({ presidio_ad_hoc_recognizers: 'recognizers.json' }), init(dir));
    expect(await sut.preCall!(userInput('status of Bluebird?'), testContext())).toMatchObject({ messages: [{ content: 'status of <PROJECT>?' }] });
    expect(fake.requests[0].body.ad_hoc_recognizers).toEqual(recognizers);
  });

  it('should throw (for on_error) when a service fails, times out or is down, and never put the text in the error', async () => {
    const sut = await create();
    fake.behaviour.failWith = 500;
    const failed = await Promise.resolve(sut.preCall!(userInput('I am Jane Doe'), testContext())).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PresidioServiceError);
    expect((failed as Error).message).toBe('Presidio analyzer answered HTTP 500');
    fake.behaviour.failWith = undefined;

    fake.behaviour.delayMs = 500;
    const budget = new AbortController();
    setTimeout(() => budget.abort(new Error('time budget spent')), 50);
    await expect(sut.preCall!(userInput('I am Jane Doe'), testContext({ signal: budget.signal }))).rejects.toThrow('time budget spent');
    fake.behaviour.delayMs = 0;

    const down = await presidio.create({ presidio_analyzer_api_base: 'http://127.0.0.1:9', presidio_anonymizer_api_base: fake.anonymizerUrl }, init());
    const error = await Promise.resolve(down.preCall!(userInput('I am Jane Doe'), testContext())).then(
      () => new Error('did not fail'),
      (thrown: unknown) => thrown as Error,
    );
    expect(error.name).toBe('TypeError');
    expect(`${error.message} ${String(error.cause)}`).not.toContain('Jane');
  });

  it('should log nothing of the text it masks', async () => {
    const logger = recordingLogger();
    const sut = await presidio.create(config({ output_parse_pii: true }), { ...init(), logger });
    const ctx: GuardrailContext = testContext({ logger });
    await sut.preCall!(userInput('I am Jane Doe'), ctx);
    await sut.postCall!(userInput('x'), { texts: ['<PERSON_1>'] }, ctx);
    expect(logger.lines.join('\n')).not.toContain('Jane');
  });

  describe('config schema', () => {
    const validate = new Ajv({ strict: false }).compile(presidio.manifest.configSchema);
    it.each([
      [{ presidio_analyzer_api_base: 'http://a', presidio_anonymizer_api_base: 'http://b' }, true],
      [
        {
          presidio_analyzer_api_base: 'http://a',
          presidio_anonymizer_api_base: 'http://b',
          pii_entities_config: { PERSON: 'MASK', US_SSN: 'BLOCK' },
          presidio_score_thresholds: { ALL: 0.4 },
        },
        true,
      ],
      [{ presidio_analyzer_api_base: 'http://a' }, false],
      [{ presidio_analyzer_api_base: 'http://a', presidio_anonymizer_api_base: 'http://b', pii_entities_config: { PERSON: 'HIDE' } }, false],
      [{ presidio_analyzer_api_base: 'http://a', presidio_anonymizer_api_base: 'http://b', presidio_score_thresholds: { ALL: 2 } }, false],
    ])('should judge %j valid: %s', (candidate, valid) => {
      expect(validate(candidate)).toBe(valid);
    });
  });
});
