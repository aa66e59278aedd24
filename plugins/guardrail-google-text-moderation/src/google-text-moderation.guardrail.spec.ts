import { assertGuardrailConformance, recordingLogger, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GoogleTextModerationFake } from '../../../test/support/guardrail-vendors/google-text-moderation.fake';
import googleTextModeration, { categoryKey, CONTENT_SAFETY_REFUSAL, GoogleAuthError, GoogleModerationApiError, MODERATION_CATEGORIES } from './index';

describe('google-text-moderation guardrail', () => {
  const fake = new GoogleTextModerationFake();
  let dir: string;
  let keyFile: string;
  const init = () => ({ instanceName: 'google_text_moderation', logger: recordingLogger(), resolvePath: (path: string) => join(dir, path) });
  const config = (extra: Record<string, unknown> = {}) => ({ credentials: 'service-account.json', api_base: fake.url, ...extra });

  beforeAll(async () => {
    await fake.start();
    dir = mkdtempSync(join(tmpdir(), 'google-moderation-'));
    keyFile = join(dir, 'service-account.json');
    writeFileSync(keyFile, fake.serviceAccountJson());
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.delayMs = 0;
    fake.failWith = undefined;
  });

  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(googleTextModeration, {
      config: { credentials: keyFile, api_base: fake.url },
      inputs: [userInput('you are an idiot')],
      outputs: [{ texts: ['I will kill the process'] }],
    });
  });

  it("should refuse a text above the default 0.8 confidence with LiteLLM's text and the categories, and allow the rest", async () => {
    const sut = await googleTextModeration.create(config(), init());
    expect(await sut.duringCall!(userInput('you are an idiot, honestly'), testContext())).toEqual({
      action: 'block',
      message: `${CONTENT_SAFETY_REFUSAL}. Category=toxic,insult`,
      category: 'toxic',
    });
    expect(await sut.preCall!(userInput('Who won the senator election?'), testContext())).toEqual({ action: 'allow' });
    expect(fake.documents.at(-1)).toEqual({ type: 'PLAIN_TEXT', content: 'Who won the senator election?' });
  });

  it("should apply the global threshold and the sixteen per-category thresholds in both of the seed's spellings", async () => {
    const politics = await googleTextModeration.create(config({ politics_threshold: 0.5 }), init());
    expect(await politics.preCall!(userInput('Who won the senator election?'), testContext())).toMatchObject({
      action: 'block',
      message: `${CONTENT_SAFETY_REFUSAL}. Category=politics`,
    });
    const global = await googleTextModeration.create(config({ google_moderation_confidence_threshold: 0.5 }), init());
    expect(await global.preCall!(userInput('Should I invest in bonds?'), testContext())).toMatchObject({ action: 'block', category: 'finance' });
    const own = await googleTextModeration.create(config({ google_moderation_confidence_threshold: 0.5, finance_confidence_threshold: 0.6 }), init());
    expect(await own.preCall!(userInput('Should I invest in bonds?'), testContext())).toEqual({ action: 'allow' });
    const lenient = await googleTextModeration.create(config({ toxic_confidence_threshold: 0.99, insult_confidence_threshold: 0.95 }), init());
    expect(await lenient.preCall!(userInput('you are an idiot'), testContext())).toEqual({ action: 'allow' });
    expect(MODERATION_CATEGORIES).toHaveLength(16);
    expect(categoryKey('Death, Harm & Tragedy')).toBe('death_harm_and_tragedy');
    expect(categoryKey('Firearms & Weapons')).toBe('firearms_and_weapons');
  });

  it("should get a token with the service account's signed JWT once, keep it, and get a new one when Google stops accepting it", async () => {
    const sut = await googleTextModeration.create(config(), init());
    const before = fake.tokenRequests;
    for (let i = 0; i < 3; i++) await sut.preCall!(userInput(`hello ${i}`), testContext());
    expect(fake.tokenRequests - before).toBe(1);
    fake.revokeTokens();
    expect(await sut.preCall!(userInput('hello again'), testContext())).toEqual({ action: 'allow' });
    expect(fake.tokenRequests - before).toBe(2);
  });

  it('should also authenticate as an authorized user (with its quota project) or with an API key', async () => {
    const user = await googleTextModeration.create(config({ credentials: fake.authorizedUserJson() }), init());
    expect(await user.preCall!(userInput('I will kill the lights'), testContext())).toMatchObject({ action: 'block', message: `${CONTENT_SAFETY_REFUSAL}. Category=violent` });
    const keyed = await googleTextModeration.create(config({ api_key: fake.apiKey, language_code: 'en' }), init());
    expect(await keyed.postCall!(userInput('hi'), { texts: ['Here is a rifle review'] }, testContext())).toMatchObject({
      action: 'block',
      message: `${CONTENT_SAFETY_REFUSAL}. Category=firearms_and_weapons`,
    });
    expect(fake.documents.at(-1)).toEqual({ type: 'PLAIN_TEXT', content: 'Here is a rifle review', languageCode: 'en' });
    expect(await keyed.postCall!(userInput('hi'), { texts: ['', 'A calm reply.'] }, testContext())).toEqual({ action: 'allow' });
  });

  it('should throw on credentials Google refuses, a bad API key or an outage, and give up when its time budget runs out', async () => {
    const stranger = JSON.parse(fake.serviceAccountJson()) as Record<string, string>;
    stranger.private_key = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const forged = await googleTextModeration.create(config({ credentials: JSON.stringify(stranger) }), init());
    await expect(forged.preCall!(userInput('hi'), testContext())).rejects.toEqual(new GoogleAuthError('Google token endpoint answered 400', 400));
    const badKey = await googleTextModeration.create(config({ api_key: 'AIza-not-a-key' }), init());
    await expect(badKey.preCall!(userInput('hi'), testContext())).rejects.toMatchObject({ name: 'GoogleModerationApiError', status: 400 });
    fake.failWith = 503;
    const sut = await googleTextModeration.create(config(), init());
    await expect(sut.preCall!(userInput('hi'), testContext())).rejects.toBeInstanceOf(GoogleModerationApiError);
    fake.failWith = undefined;
    await sut.preCall!(userInput('warm the token'), testContext());
    fake.delayMs = 2000;
    const started = Date.now();
    await expect(sut.preCall!(userInput('hi'), testContext({ signal: AbortSignal.timeout(100) }))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('should refuse to start without usable credentials, naming none of their values', async () => {
    await expect(googleTextModeration.create({}, init())).rejects.toThrow('google-text-moderation: no credentials; set GOOGLE_APPLICATION_CREDENTIALS');
    await expect(googleTextModeration.create({ credentials: 'missing.json' }, init())).rejects.toThrow('google-text-moderation: cannot read the credentials file');
    await expect(googleTextModeration.create({ credentials: '{"type": "external_account"}' }, init())).rejects.toThrow('credentials of type "external_account" are not supported');
    await expect(googleTextModeration.create({ credentials: '{"type": "service_account", "client_email": "a@b", "private_key": "secret-not-pem"}' }, init())).rejects.toThrow(
      'google-text-moderation: the service account private_key is not a PEM key',
    );
  });
  it('should document every config key and category in its README', () => {
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    const keys = Object.keys(googleTextModeration.manifest.configSchema.properties ?? {}).filter(
      (key) => !key.endsWith('_threshold') || key === 'google_moderation_confidence_threshold',
    );
    for (const key of keys) expect(readme).toContain(`\`${key}\``);
    for (const category of MODERATION_CATEGORIES) expect(readme).toContain(`\`${category}\``);
  });
});
