import { Injectable } from '@nestjs/common';
import { BadRequestError } from '../common/errors/http-errors';
import { PricingService, type CostUsage, type ModelPrice } from '../catalog/pricing.service';
import { countChatPromptTokens, countTextTokens } from '../catalog/token-counter';
import type { Deployment } from '../routing/deployment';
import { ModelRegistry } from '../routing/model-registry.service';
import { UnknownModelError } from '../routing/routing.errors';

/** The body of `POST /spend/calculate` (LiteLLM's `SpendCalculateRequest`). */
export interface SpendCalculation {
  model?: unknown;
  messages?: unknown;
  completion_response?: unknown;
}

type PromptMessage = { role: string; content?: unknown; name?: unknown };

/**
 * LiteLLM's `/spend/calculate`: the cost of a prompt before the call (prompt tokens × input price) or of a finished
 * completion (its usage × prices). A model served by this proxy is priced as the proxy prices its calls (custom
 * `litellm_params` prices first); any other model by the price catalog.
 */
@Injectable()
export class SpendCalculatorService {
  constructor(
    private readonly pricing: PricingService,
    private readonly models: ModelRegistry,
  ) {}

  /**
   * @throws BadRequestError when neither `model` nor `completion_response` is given, when `model` comes without
   * `messages`, or when the model has no known price.
   */
  calculate(body: SpendCalculation): { cost: number } {
    if (typeof body.model === 'string' && body.model !== '') return { cost: this.promptCost(body.model, body.messages) };
    if (isObject(body.completion_response)) return { cost: this.completionCost(body.completion_response) };
    throw new BadRequestError("Bad Request - Either 'model' or 'completion_response' must be provided");
  }

  private promptCost(model: string, messages: unknown): number {
    if (!Array.isArray(messages) || !messages.every(isMessage)) {
      throw new BadRequestError("Bad Request - messages must be provided if 'model' is provided", 'messages');
    }
    const deployment = this.proxyDeployment(model);
    if (deployment) {
      const promptTokens = countChatPromptTokens(messages, deployment.upstreamModel);
      return this.pricing.costOf(deployment, { prompt_tokens: promptTokens, completion_tokens: 0 });
    }
    const price = this.catalogPrice(model);
    return finite(countChatPromptTokens(messages, model) * price.inputCostPerToken);
  }

  private completionCost(response: Record<string, unknown>): number {
    const model = response.model;
    if (typeof model !== 'string' || model === '') {
      throw new BadRequestError("Bad Request - 'completion_response' must include 'model'", 'completion_response');
    }
    const usage = usageOf(response, model);
    const deployment = this.proxyDeployment(model);
    if (deployment) return this.pricing.costOf(deployment, usage);
    const price = this.catalogPrice(model);
    const prompt = usage.prompt_tokens ?? 0;
    const cached = Math.min(usage.prompt_tokens_details?.cached_tokens ?? 0, prompt);
    return finite(
      (prompt - cached) * price.inputCostPerToken + cached * (price.cacheReadInputTokenCost ?? price.inputCostPerToken) + (usage.completion_tokens ?? 0) * price.outputCostPerToken,
    );
  }

  /** The deployment that would serve `model` on this proxy (aliases and wildcards included), if any. */
  private proxyDeployment(model: string): Deployment | undefined {
    try {
      return this.models.pick(model);
    } catch (error) {
      if (error instanceof UnknownModelError) return undefined;
      throw error;
    }
  }

  private catalogPrice(model: string): ModelPrice {
    const price = this.pricing.lookup(model);
    if (!price) {
      // LiteLLM fails here too; answering 0 would read as "free" to a budget tool.
      throw new BadRequestError(
        `Model ${model} is not served by this proxy and has no known price; add it to model_list with input_cost_per_token / output_cost_per_token`,
        'model',
      );
    }
    return price;
  }
}

/**
 * The usage of a completion object; when it has none (some providers omit it), completion tokens are counted
 * from the choices' text, as LiteLLM's `completion_cost` does.
 */
function usageOf(response: Record<string, unknown>, model: string): CostUsage {
  const usage = response.usage;
  if (isObject(usage)) {
    const details = usage.prompt_tokens_details;
    return {
      prompt_tokens: tokenCount(usage.prompt_tokens),
      completion_tokens: tokenCount(usage.completion_tokens),
      prompt_tokens_details: isObject(details) ? { cached_tokens: tokenCount(details.cached_tokens) } : null,
    };
  }
  const choices = Array.isArray(response.choices) ? response.choices : [];
  let completion = 0;
  for (const choice of choices) {
    if (!isObject(choice)) continue;
    const message = isObject(choice.message) ? choice.message : null;
    const text = typeof message?.content === 'string' ? message.content : typeof choice.text === 'string' ? choice.text : '';
    completion += countTextTokens(text, model);
  }
  return { prompt_tokens: 0, completion_tokens: completion };
}

function tokenCount(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isMessage(value: unknown): value is PromptMessage {
  return isObject(value) && typeof value.role === 'string';
}

function finite(cost: number): number {
  return Number.isFinite(cost) && cost > 0 ? cost : 0;
}
