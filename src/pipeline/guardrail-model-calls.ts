import { Injectable, OnModuleInit } from '@nestjs/common';
import type { GuardrailModelReply, GuardrailModelRequest } from '@tollgate/guardrail-sdk';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { GuardrailModelGateway, GuardrailModelOrigin } from '../guardrails/guardrail-models';
import { GuardrailsService } from '../guardrails/guardrails.service';
import type { CallOutcome, CallRequest } from './call';
import { CallPipeline } from './call-pipeline.service';
import { CHAT, MODERATION, type Operation } from './operations';

/**
 * Guardrails whose judge is a model call it through the one call pipeline: routed like any call (retries,
 * cooldowns, any configured deployment), admitted against the proxy's budget, and on the ledger as the
 * guardrail's own row (tagged `guardrail:<name>`). No guardrail runs on these calls, so a judge never judges itself.
 */
@Injectable()
export class GuardrailModelCalls implements GuardrailModelGateway, OnModuleInit {
  constructor(
    private readonly pipeline: CallPipeline,
    private readonly guardrails: GuardrailsService,
  ) {}

  onModuleInit(): void {
    this.guardrails.useModelGateway(this);
  }

  async chat(request: GuardrailModelRequest, origin: GuardrailModelOrigin): Promise<GuardrailModelReply> {
    const body: Record<string, unknown> = { model: request.model, messages: request.messages.map((message) => ({ ...message })) };
    if (request.maxTokens !== undefined) body.max_tokens = request.maxTokens;
    if (request.temperature !== undefined) body.temperature = request.temperature;
    const outcome = await this.run(CHAT, request.model, body, origin);
    const choices = outcome.kind === 'json' ? outcome.body.choices : undefined;
    const content = Array.isArray(choices) ? (choices[0] as { message?: { content?: unknown } } | undefined)?.message?.content : undefined;
    return { text: typeof content === 'string' ? content : '' };
  }

  async moderate(request: { readonly model: string; readonly input: string | readonly string[] }, origin: GuardrailModelOrigin): Promise<Readonly<Record<string, unknown>>> {
    const input = typeof request.input === 'string' ? request.input : [...request.input];
    const outcome = await this.run(MODERATION, request.model, { model: request.model, input }, origin);
    // The moderation operation always answers JSON.
    return outcome.kind === 'json' ? outcome.body : {};
  }

  private run(operation: Operation, model: string, body: Record<string, unknown>, origin: GuardrailModelOrigin): Promise<CallOutcome> {
    const call: CallRequest = {
      requestId: `grd-${randomUUID()}`,
      caller: null,
      input: { body },
      model,
      streaming: false,
      includeUsage: false,
      clientIp: null,
      headerTags: [`guardrail:${origin.guardrailName}`],
      signal: origin.signal,
      headers: {},
      receivedAt: performance.now(),
      internal: true,
    };
    return this.pipeline.run(operation, call);
  }
}
