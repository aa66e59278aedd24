import { assertGuardrailConformance, recordingLogger, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APORIA_PII_MESSAGE, APORIA_PROFANITY_MESSAGE, AporiaFake } from '../../../test/support/guardrail-vendors/aporia.fake';
import aporia, { APORIA_REFUSAL, AporiaApiError, refusalOf } from './index';

const KEY = 'aporia-test-key-0001';
const init = { instanceName: 'aporia', logger: recordingLogger(), resolvePath: (path: string) => path };

describe('aporia guardrail', () => {
  const fake = new AporiaFake(KEY);
  const config = () => ({ api_key: KEY, api_base: `${fake.url}/` });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());
  beforeEach(() => {
    fake.delayMs = 0;
    fake.failWith = undefined;
  });

  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(aporia, { config: config(), inputs: [userInput('You suck!')], outputs: [{ texts: ['Call 555-12-3456'] }, { texts: ['damn you'] }] });
  });

  it("should refuse the seed's 'You suck!' with Aporia's policy message, and allow a plain question", async () => {
    const sut = await aporia.create(config(), init);
    expect(await sut.duringCall!(userInput('You suck!'), testContext())).toEqual({
      action: 'block',
      message: `${APORIA_REFUSAL}: ${APORIA_PROFANITY_MESSAGE}`,
      category: 'aporia',
    });
    expect(await sut.preCall!(userInput('My SSN is 078-05-1120, update my record'), testContext())).toEqual({
      action: 'block',
      message: `${APORIA_REFUSAL}: ${APORIA_PII_MESSAGE}`,
      category: 'aporia',
    });
    expect(await sut.preCall!(userInput('What are your opening hours?'), testContext())).toEqual({ action: 'allow' });
  });

  it('should send the messages with unknown roles as other and validation_target prompt', async () => {
    const sut = await aporia.create(config(), init);
    const before = fake.bodies.length;
    const input = {
      ...userInput('x'),
      messages: [
        { role: 'system', content: 'Be kind.' },
        { role: 'tool', content: '{"ok": true}' },
        { role: 'user', content: 'hi there' },
      ],
    };
    await sut.preCall!(input, testContext());
    expect(fake.bodies.slice(before)).toEqual([
      {
        messages: [
          { role: 'system', content: 'Be kind.' },
          { role: 'other', content: '{"ok": true}' },
          { role: 'user', content: 'hi there' },
        ],
        validation_target: 'prompt',
      },
    ]);
  });

  it("should block a reply, or replace it with Aporia's revision on modify and rephrase", async () => {
    const sut = await aporia.create(config(), init);
    const input = userInput('Tell me about the customer');
    expect(await sut.postCall!(input, { texts: ['damn you, customer'] }, testContext())).toEqual({
      action: 'block',
      message: `${APORIA_REFUSAL}: ${APORIA_PROFANITY_MESSAGE}`,
      category: 'aporia',
    });
    expect(fake.bodies.at(-1)).toEqual({ messages: [{ role: 'user', content: 'Tell me about the customer' }], response: 'damn you, customer', validation_target: 'response' });
    expect(await sut.postCall!(input, { texts: ['Write to jane@example.com', 'Acme Corp is better'] }, testContext())).toEqual({
      action: 'mutate',
      texts: ['Write to <PII>', 'I can only talk about our own products.'],
      findings: ['aporia modify', 'aporia rephrase'],
    });
    expect(await sut.postCall!(input, { texts: ['The customer is happy.'] }, testContext())).toEqual({ action: 'allow' });
    const keep = await aporia.create({ ...config(), apply_revisions: false }, init);
    expect(await keep.postCall!(input, { texts: ['Write to jane@example.com'] }, testContext())).toEqual({ action: 'allow' });
  });

  it('should never show a policy message that quotes the refused text', () => {
    const checked = ['please forward this to the whole team right now'];
    expect(refusalOf({ action: 'block', revised_response: 'Blocked: "forward this to the whole team" is not allowed' }, checked)).toBe(APORIA_REFUSAL);
    expect(refusalOf({ action: 'block', revised_response: 'x'.repeat(301) }, checked)).toBe(APORIA_REFUSAL);
    expect(refusalOf({ action: 'block', revised_response: null }, checked)).toBe(APORIA_REFUSAL);
    expect(refusalOf({ action: 'block', revised_response: 'Off-topic: please rephrase.' }, checked)).toBe(`${APORIA_REFUSAL}: Off-topic: please rephrase.`);
  });

  it('should throw on a wrong key, an outage or an unknown action, and give up when its time budget runs out', async () => {
    await expect((await aporia.create({ ...config(), api_key: 'wrong' }, init)).preCall!(userInput('hi'), testContext())).rejects.toMatchObject({
      name: 'AporiaApiError',
      status: 401,
    });
    fake.failWith = 500;
    const sut = await aporia.create(config(), init);
    await expect(sut.preCall!(userInput('hi'), testContext())).rejects.toBeInstanceOf(AporiaApiError);
    fake.failWith = undefined;
    fake.forcedAction = 'escalate';
    await expect(sut.preCall!(userInput('hi'), testContext())).rejects.toThrow('Aporia /validate answered without a known action');
    fake.forcedAction = undefined;
    fake.delayMs = 2000;
    const started = Date.now();
    await expect(sut.preCall!(userInput('hi'), testContext({ signal: AbortSignal.timeout(100) }))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('should refuse to start without a key or a project URL', () => {
    expect(() => aporia.create({ api_base: fake.url }, init)).toThrow('aporia: no api_key; set APORIO_API_KEY or the api_key of the guardrail');
    expect(() => aporia.create({ api_key: KEY }, init)).toThrow('aporia: no api_base; set APORIO_API_BASE or the api_base of the guardrail');
    expect(() => aporia.create({ api_key: KEY, api_base: 'os.environ/APORIO_API_BASE' }, init)).toThrow('aporia: api_base names os.environ/APORIO_API_BASE, which is not set');
  });
  it('should document every config key in its README', () => {
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    for (const key of Object.keys(aporia.manifest.configSchema.properties ?? {})) expect(readme).toContain(`\`${key}\``);
  });
});
