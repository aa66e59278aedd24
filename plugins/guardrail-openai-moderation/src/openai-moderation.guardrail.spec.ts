import { assertGuardrailConformance, recordingLogger, streamThrough, testContext, userInput } from '@tollgate/guardrail-sdk/testing';
import type { Guardrail, GuardrailContext, GuardrailModels } from '@tollgate/guardrail-sdk';
import Ajv from 'ajv';
import { OPENAI_MODERATION_KEY, openAiModerationFake, type OpenAiModerationBehaviour } from '../../../test/support/guardrail-vendors/openai-moderation.fake';
import { startMockProviderServer, type MockProviderServer } from '../../../test/support/mock-providers/mock-provider-server';
import openAiModeration, { type OpenAiModerationConfig } from './index';

const init = { instanceName: 'moderation', logger: recordingLogger(), resolvePath: (path: string) => path };

describe('openai-moderation guardrail', () => {
  let server: MockProviderServer;
  const behaviour: OpenAiModerationBehaviour = { delayMs: 0 };
  const asked: { model: string; input: unknown }[] = [];
  /** What the host's router does for `ctx.models.moderate`: the deployment's moderations API (here, the fake). */
  const models: GuardrailModels = {
    chat: () => Promise.reject(new Error('not used')),
    moderate: async ({ model, input }) => {
      asked.push({ model, input });
      const response = await fetch(`${server.url}/v1/moderations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${OPENAI_MODERATION_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model, input }),
      });
      if (response.status !== 200) throw new Error(`the moderation deployment answered HTTP ${response.status}`);
      return (await response.json()) as Record<string, unknown>;
    },
  };
  const ctx = (overrides: Partial<GuardrailContext> = {}) => testContext({ models, ...overrides });
  const create = (config: OpenAiModerationConfig = {}): Promise<Guardrail> => Promise.resolve(openAiModeration.create(config, init));

  beforeAll(async () => {
    server = await startMockProviderServer([openAiModerationFake(behaviour)]);
  });
  afterAll(() => server.close());
  beforeEach(() => {
    asked.length = 0;
    behaviour.delayMs = 0;
    behaviour.failWith = undefined;
  });

  it('should conform to the guardrail SDK', async () => {
    await assertGuardrailConformance(openAiModeration, {
      config: { category_thresholds: { violence: 0.4 } },
      context: { models },
      inputs: [userInput('I will kill the process'), userInput('a friendly fight')],
      outputs: [{ texts: ['you idiot'] }],
      streamTexts: ['They will attack the city at dawn, said the general.'],
    });
  });

  it('should moderate the latest turn through the configured deployment and block flagged categories by name', async () => {
    const sut = await create({ model: 'omni-moderation' });
    const messages = [
      { role: 'user', content: 'tell me how to attack a fortress in the game' },
      { role: 'assistant', content: 'Use catapults.' },
      { role: 'user', content: 'thanks' },
      { role: 'user', content: [{ type: 'text', text: 'and you are an idiot' }] },
    ];
    const verdict = await sut.preCall!({ ...userInput(), messages }, ctx());
    expect(verdict).toEqual({ action: 'block', message: 'Violated OpenAI moderation policy: flagged for harassment', category: 'moderation' });
    expect(asked).toEqual([{ model: 'omni-moderation', input: ['thanks', 'and you are an idiot'] }]);
    expect(await sut.duringCall!(userInput('I want to hurt myself'), ctx())).toMatchObject({ message: 'Violated OpenAI moderation policy: flagged for self-harm' });
    expect(await sut.preCall!(userInput('plan a picnic'), ctx())).toEqual({ action: 'allow' });
  });

  it('should let per-category thresholds override the flag, both ways', async () => {
    const strict = await create({ category_thresholds: { violence: 0.4 } });
    expect(await strict.preCall!(userInput('a friendly fight'), ctx())).toMatchObject({ message: 'Violated OpenAI moderation policy: flagged for violence' });
    const lenient = await create({ category_thresholds: { violence: 0.99 } });
    expect(await lenient.preCall!(userInput('we attack at dawn'), ctx())).toEqual({ action: 'allow' });
    expect(await lenient.preCall!(userInput('attack, you idiot'), ctx())).toMatchObject({ message: 'Violated OpenAI moderation policy: flagged for harassment' });
  });

  it("should use LiteLLM's openai_moderations_model_name for the callbacks form, and omni-moderation-latest by default", async () => {
    await (
      await create({ openai_moderations_model_name: 'text-moderation-latest' })
    ).preCall!(userInput('hi'), ctx());
    await (
      await create()
    ).preCall!(userInput('hi'), ctx());
    expect(asked.map((call) => call.model)).toEqual(['text-moderation-latest', 'omni-moderation-latest']);
  });

  it('should moderate replies and paced streams', async () => {
    const sut = await create();
    expect(await sut.postCall!(userInput('x'), { texts: ['', 'we attack'] }, ctx())).toMatchObject({ action: 'block' });
    expect(asked.at(-1)?.input).toEqual(['we attack']);
    asked.length = 0;
    const filler = 'Gardening is a calm hobby and tomatoes like the sun a lot. ';
    const clean = await streamThrough(sut, [filler.repeat(7), filler.repeat(2), 'End.'], { ctx: ctx(), windowChars: 512 });
    expect(clean.blocked).toBeUndefined();
    expect(asked.length).toBeLessThanOrEqual(3);
    const violent = await streamThrough(sut, ['and then we ', 'ki', 'll them all'], { ctx: ctx() });
    expect(violent.blocked?.message).toBe('Violated OpenAI moderation policy: flagged for violence');
  });

  it('should throw (for on_error) when the deployment fails, times out, or the host offers no models', async () => {
    const sut = await create();
    behaviour.failWith = 500;
    await expect(sut.preCall!(userInput('hello'), ctx())).rejects.toThrow('the moderation deployment answered HTTP 500');
    behaviour.failWith = undefined;
    await expect(sut.preCall!(userInput('hello'), testContext())).rejects.toThrow('this Tollgate offers guardrails no models');
    const broken: GuardrailModels = { ...models, moderate: async () => ({ results: [] }) };
    await expect(sut.preCall!(userInput('hello'), testContext({ models: broken }))).rejects.toThrow('answered without one result per input');
  });

  describe('config schema', () => {
    const validate = new Ajv({ strict: false }).compile(openAiModeration.manifest.configSchema);
    it.each([
      [{}, true],
      [{ model: 'omni-moderation', category_thresholds: { violence: 0.8, 'self-harm': 0.2 } }, true],
      [{ category_thresholds: { violence: 1.5 } }, false],
      [{ model: '' }, false],
    ])('should judge %j valid: %s', (candidate, valid) => {
      expect(validate(candidate)).toBe(valid);
    });
  });
});
