import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/config.loader';
import { PricingService } from '../catalog/pricing.service';
import { countChatPromptTokens } from '../catalog/token-counter';
import { ModelRegistry } from '../routing/model-registry.service';
import { SpendCalculatorService } from './spend-calculator.service';

const CONFIG = `
model_list:
  - model_name: priced
    litellm_params: { model: mock/priced, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
  - model_name: cataloged
    litellm_params: { model: openai/gpt-4o-mini, api_key: none }
router_settings:
  model_group_alias: { alias-of-priced: priced }
`;

describe('SpendCalculatorService (/spend/calculate)', () => {
  let sut: SpendCalculatorService;
  let pricing: PricingService;
  const messages = [{ role: 'user', content: "Hey, how's it going?" }];

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'spend-calc-'));
    writeFileSync(join(dir, 'config.yaml'), CONFIG);
    const config = loadConfig({ configPath: join(dir, 'config.yaml'), env: {} });
    pricing = new PricingService();
    sut = new SpendCalculatorService(pricing, new ModelRegistry(config));
  });

  it("should price a prompt for a proxy model at the config's custom price (aliases resolved)", () => {
    const tokens = countChatPromptTokens(messages, 'priced');
    expect(sut.calculate({ model: 'priced', messages })).toEqual({ cost: tokens * 0.001 });
    expect(sut.calculate({ model: 'alias-of-priced', messages })).toEqual({ cost: tokens * 0.001 });
  });

  it('should price a prompt for a model not on the proxy from the catalog', () => {
    const price = pricing.lookup('gpt-4o')?.inputCostPerToken ?? 0;
    expect(price).toBeGreaterThan(0);
    expect(sut.calculate({ model: 'gpt-4o', messages }).cost).toBeCloseTo(countChatPromptTokens(messages, 'gpt-4o') * price, 15);
  });

  it('should price a completion from its usage', () => {
    const usage = { prompt_tokens: 9, completion_tokens: 12, total_tokens: 21 };
    expect(sut.calculate({ completion_response: { model: 'priced', usage } }).cost).toBeCloseTo(9 * 0.001 + 12 * 0.002, 15);
    const catalog = pricing.lookup('gpt-4o-mini');
    expect(sut.calculate({ completion_response: { model: 'gpt-4o-mini', usage } }).cost).toBeCloseTo(
      9 * (catalog?.inputCostPerToken ?? 0) + 12 * (catalog?.outputCostPerToken ?? 0),
      15,
    );
  });

  it('should count completion tokens from the choices when usage is missing', () => {
    const cost = sut.calculate({ completion_response: { model: 'priced', choices: [{ message: { role: 'assistant', content: 'Hello there' } }] } }).cost;
    expect(cost).toBeGreaterThan(0);
    expect((cost / 0.002) % 1).toBeCloseTo(0, 9);
  });

  it("should answer LiteLLM's 400s", () => {
    expect(() => sut.calculate({})).toThrow("Bad Request - Either 'model' or 'completion_response' must be provided");
    expect(() => sut.calculate({ model: 'priced' })).toThrow("Bad Request - messages must be provided if 'model' is provided");
    expect(() => sut.calculate({ model: 'no-such-model-xyz', messages })).toThrow(expect.objectContaining({ status: 400, param: 'model' }));
    expect(() => sut.calculate({ completion_response: { usage: {} } })).toThrow(expect.objectContaining({ status: 400 }));
  });
});
