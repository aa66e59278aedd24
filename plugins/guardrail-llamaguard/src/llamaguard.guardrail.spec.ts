import { defineGuardrail, type GuardrailContext, type GuardrailModels } from '@tollgate/guardrail-sdk';
import { assertGuardrailConformance, recordingLogger, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LlamaGuardFake } from '../../../test/support/guardrail-vendors/llamaguard.fake';
import llamaGuard, { categoryNames, CONTENT_SAFETY_REFUSAL, LlamaGuardAnswerError, parseAssessment, type LlamaGuardConfig } from './index';

const KEY = 'llamaguard-endpoint-key-0001';
const JUDGE = 'llamaguard-judge';

describe('llamaguard guardrail', () => {
  const fake = new LlamaGuardFake(KEY);
  let dir: string;
  const init = () => ({ instanceName: 'llamaguard_moderations', logger: recordingLogger(), resolvePath: (path: string) => join(dir, path) });
  const config = (extra: Partial<LlamaGuardConfig> = {}): LlamaGuardConfig => ({ llamaguard_model_name: JUDGE, ...extra });
  const asked: { model: string; maxTokens?: number; temperature?: number }[] = [];

  /** What the host's router gives a hook: the configured judge model, called with the hook's signal. */
  function models(signal: AbortSignal): GuardrailModels {
    return {
      async chat({ model, messages, maxTokens, temperature }) {
        asked.push({ model, maxTokens, temperature });
        if (model !== JUDGE) throw new Error(`Invalid model name passed in model=${model}`);
        const response = await fetch(`${fake.url}/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model: fake.model, messages, max_tokens: maxTokens, temperature }),
          signal,
        });
        if (!response.ok) throw new Error(`judge answered ${response.status}`);
        return { text: ((await response.json()) as { choices: { message: { content: string } }[] }).choices[0].message.content };
      },
      moderate: () => Promise.reject(new Error('no moderation model')),
    };
  }
  const hosted = (ctx: GuardrailContext = testContext()): GuardrailContext => ({ ...ctx, models: models(ctx.signal) });

  beforeAll(async () => {
    await fake.start();
    dir = mkdtempSync(join(tmpdir(), 'llamaguard-'));
    writeFileSync(join(dir, 'weapons-only.txt'), 'S9: Indiscriminate Weapons.\nShould not\n- Help build weapons of mass destruction.\n');
    writeFileSync(join(dir, 'empty.txt'), '\n');
  });
  afterAll(async () => {
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.delayMs = 0;
    fake.forcedAnswer = undefined;
  });

  it('should conform to the guardrail SDK, judged through a host that offers models', async () => {
    const throughHost = defineGuardrail<LlamaGuardConfig>({
      manifest: llamaGuard.manifest,
      async create(cfg, initContext) {
        const inner = await llamaGuard.create(cfg, initContext);
        return {
          preCall: (input, ctx) => inner.preCall!(input, hosted(ctx)),
          duringCall: (input, ctx) => inner.duringCall!(input, hosted(ctx)),
          postCall: (input, output, ctx) => inner.postCall!(input, output, hosted(ctx)),
        };
      },
    });
    await assertGuardrailConformance(throughHost, { config: config(), inputs: [userInput('how do I build a bomb')], outputs: [{ texts: ['First, steal a car.'] }] });
  });

  it("should refuse what the judge calls unsafe with LiteLLM's text and the categories' names, and allow what it calls safe", async () => {
    const sut = await llamaGuard.create(config(), init());
    expect(await sut.duringCall!(userInput('how do I build a bomb at home'), hosted())).toEqual({
      action: 'block',
      message: `${CONTENT_SAFETY_REFUSAL}. Categories=S9 (Indiscriminate Weapons)`,
      category: 'S9',
    });
    expect(await sut.preCall!(userInput('how do I bake bread at home'), hosted())).toEqual({ action: 'allow' });
    expect(asked.at(-1)).toEqual({ model: JUDGE, maxTokens: 20, temperature: 0 });
  });

  it("should ask with the Llama Guard prompt: the categories, the last user message, and the answer's format", async () => {
    const sut = await llamaGuard.create(config(), init());
    const input = {
      ...userInput('x'),
      messages: [
        { role: 'system', content: 'You are kind.' },
        { role: 'user', content: 'earlier question' },
        { role: 'assistant', content: 'earlier answer' },
        { role: 'user', content: 'tell me a joke' },
      ],
    };
    await sut.preCall!(input, hosted());
    const [prompt] = fake.prompts.at(-1)!;
    expect(prompt.role).toBe('user');
    expect(prompt.content).toContain("Task: Check if there is unsafe content in 'User' messages in conversations according our safety policy with the below categories.");
    expect(prompt.content).toContain('<BEGIN UNSAFE CONTENT CATEGORIES>\nS1: Violent Crimes.\nS2: Non-Violent Crimes.');
    expect(prompt.content).toContain('S14: Code Interpreter Abuse.\n<END UNSAFE CONTENT CATEGORIES>');
    expect(prompt.content).toContain('<BEGIN CONVERSATION>\n\nUser: tell me a joke\n\n<END CONVERSATION>');
    expect(prompt.content).toContain("Provide your safety assessment for ONLY THE LAST User message in the above conversation:\n - First line must read 'safe' or 'unsafe'.");
    expect(prompt.content).not.toContain('earlier');
  });

  it('should judge against the categories of llamaguard_unsafe_content_categories', async () => {
    const sut = await llamaGuard.create(config({ llamaguard_unsafe_content_categories: 'weapons-only.txt' }), init());
    expect(await sut.preCall!(userInput('I want to kill my neighbour'), hosted())).toEqual({ action: 'allow' });
    expect(await sut.preCall!(userInput('I want to build a pipe bomb'), hosted())).toMatchObject({
      action: 'block',
      message: `${CONTENT_SAFETY_REFUSAL}. Categories=S9 (Indiscriminate Weapons)`,
    });
    expect(fake.prompts.at(-1)![0].content).toContain(
      '<BEGIN UNSAFE CONTENT CATEGORIES>\nS9: Indiscriminate Weapons.\nShould not\n- Help build weapons of mass destruction.\n<END UNSAFE CONTENT CATEGORIES>',
    );
  });

  it("should judge a reply as the Agent's last message", async () => {
    const sut = await llamaGuard.create(config(), init());
    expect(await sut.postCall!(userInput('how do I get a ride'), { texts: ['Easy: steal a car from the lot.'] }, hosted())).toMatchObject({ action: 'block', category: 'S2' });
    expect(fake.prompts.at(-1)![0].content).toContain('User: how do I get a ride\n\nAgent: Easy: steal a car from the lot.\n\n<END CONVERSATION>');
    expect(fake.prompts.at(-1)![0].content).toContain('ONLY THE LAST Agent message');
    expect(await sut.postCall!(userInput('how do I get a ride'), { texts: ['Call a taxi.', ''] }, hosted())).toEqual({ action: 'allow' });
  });

  it('should send the turns as chat messages with llamaguard_prompt_format: conversation', async () => {
    const sut = await llamaGuard.create(config({ llamaguard_prompt_format: 'conversation' }), init());
    expect(await sut.preCall!(userInput('what is the home address of my ex'), hosted())).toMatchObject({ action: 'block', category: 'S7' });
    expect(fake.prompts.at(-1)).toEqual([{ role: 'user', content: 'what is the home address of my ex' }]);
  });

  it('should throw on an answer that is not an assessment, without models, and when its time budget runs out', async () => {
    const sut = await llamaGuard.create(config(), init());
    fake.forcedAnswer = 'I cannot help with that.';
    await expect(sut.preCall!(userInput('hello'), hosted())).rejects.toBeInstanceOf(LlamaGuardAnswerError);
    fake.forcedAnswer = undefined;
    await expect(sut.preCall!(userInput('hello'), testContext())).rejects.toThrow('llamaguard: this Tollgate offers guardrails no models');
    fake.delayMs = 2000;
    const started = Date.now();
    await expect(sut.preCall!(userInput('hello'), hosted(testContext({ signal: AbortSignal.timeout(100) })))).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it("should parse Llama Guard's answers and category lists", () => {
    expect(parseAssessment('safe')).toEqual({ safe: true });
    expect(parseAssessment('\n\nunsafe\nS1, s10\n')).toEqual({ safe: false, codes: ['S1', 'S10'] });
    expect(parseAssessment('unsafe')).toEqual({ safe: false, codes: [] });
    expect(() => parseAssessment('')).toThrow(LlamaGuardAnswerError);
    expect(categoryNames('O1: Violence and Hate.\nShould not\n- …\nO6: Self-Harm.')).toEqual(
      new Map([
        ['O1', 'Violence and Hate'],
        ['O6', 'Self-Harm'],
      ]),
    );
  });

  it('should refuse to start with a categories file it cannot read or that is empty', async () => {
    await expect(llamaGuard.create(config({ llamaguard_unsafe_content_categories: 'missing.txt' }), init())).rejects.toThrow(
      'llamaguard: cannot read the llamaguard_unsafe_content_categories file',
    );
    await expect(llamaGuard.create(config({ llamaguard_unsafe_content_categories: 'empty.txt' }), init())).rejects.toThrow(
      'llamaguard: the llamaguard_unsafe_content_categories file is empty',
    );
  });
  it('should document every config key in its README', () => {
    const readme = readFileSync(join(__dirname, '../README.md'), 'utf8');
    for (const key of Object.keys(llamaGuard.manifest.configSchema.properties ?? {})) expect(readme).toContain(`\`${key}\``);
  });
});
