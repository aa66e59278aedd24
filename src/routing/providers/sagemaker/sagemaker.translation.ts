import { randomUUID } from 'node:crypto';
import { countTextTokens } from '../../../catalog/token-counter';
import type { ChatCompletionRequest, ChatMessage, CompletionObject } from '../../openai.types';
import { awsEventStreamMessages } from '../bedrock/aws-event-stream';
import { stopSequences, textOf } from '../openai-message';
import { ChunkBuilder, type ChunkTranslator, usageOf } from '../stream-translation';

/**
 * SageMaker endpoints serving Hugging Face TGI (`sagemaker/<endpoint>`) take a prompt text and generation parameters,
 * `{inputs, parameters, stream?}`, as LiteLLM's SagemakerConfig sends them; those speaking the Messages API
 * (`sagemaker_chat/<endpoint>`) take OpenAI's chat body. Both stream as AWS event-stream `PayloadPart`s whose bytes
 * are the container's own server-sent events.
 */

interface RoleTemplate {
  pre_message?: string;
  post_message?: string;
}

type RoleTemplates = Record<string, RoleTemplate>;

/** LiteLLM's `llama_2_chat_pt`: what a Llama-2 chat endpoint was trained on. */
const LLAMA_2_CHAT: RoleTemplates = {
  system: { pre_message: '[INST] <<SYS>>\n', post_message: '\n<</SYS>>\n [/INST]\n' },
  user: { pre_message: '[INST] ', post_message: ' [/INST]\n' },
  assistant: { post_message: '\n' },
};

/**
 * The prompt text, as LiteLLM builds it: the deployment's own template (`roles`, `initial_prompt_value`,
 * `final_prompt_value` in `litellm_params`), else Llama-2's chat template for Llama-2 chat endpoints (by endpoint or
 * `hf_model_name`), else the messages' texts joined by spaces (LiteLLM's `default_pt`).
 */
export function hfPromptOf(messages: readonly ChatMessage[], endpoint: string, params: Record<string, unknown>): string {
  const own = typeof params.roles === 'object' && params.roles !== null ? (params.roles as RoleTemplates) : undefined;
  const model = (typeof params.hf_model_name === 'string' ? params.hf_model_name : endpoint).toLowerCase();
  const roles = own ?? (model.includes('llama-2') && model.includes('chat') ? LLAMA_2_CHAT : undefined);
  if (!roles) return messages.map((message) => textOf(message.content)).join(' ');
  let prompt = typeof params.initial_prompt_value === 'string' ? params.initial_prompt_value : '';
  for (const message of messages) {
    const template = roles[message.role] ?? {};
    prompt += `${template.pre_message ?? ''}${textOf(message.content)}${template.post_message ?? ''}`;
  }
  return prompt + (typeof params.final_prompt_value === 'string' ? params.final_prompt_value : '');
}

/** OpenAI sampling parameters as TGI names them, with LiteLLM's guards (TGI refuses a zero temperature or budget). */
export function tgiParameters(request: ChatCompletionRequest, params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof request.temperature === 'number') {
    out.temperature = request.temperature === 0 && params.aws_sagemaker_allow_zero_temp !== true ? 0.01 : request.temperature;
  }
  if (typeof request.top_p === 'number') out.top_p = request.top_p;
  if (typeof request.n === 'number' && request.n > 1) {
    out.best_of = request.n;
    out.do_sample = true;
  }
  const stop = stopSequences(request.stop);
  if (stop?.length) out.stop = stop;
  const maxTokens = [request.max_completion_tokens, request.max_tokens, params.max_new_tokens, params.max_tokens].find((value) => typeof value === 'number');
  if (typeof maxTokens === 'number') out.max_new_tokens = Math.max(1, maxTokens);
  if (typeof params.return_full_text === 'boolean') out.return_full_text = params.return_full_text;
  return out;
}

export function tgiRequest(
  request: ChatCompletionRequest,
  endpoint: string,
  params: Record<string, unknown>,
  stream: boolean,
): { inputs: string; parameters: Record<string, unknown>; stream?: true } {
  const body: { inputs: string; parameters: Record<string, unknown>; stream?: true } = {
    inputs: hfPromptOf(request.messages, endpoint, params),
    parameters: tgiParameters(request, params),
  };
  if (stream) body.stream = true;
  return body;
}

interface TgiGeneration {
  generated_text?: unknown;
  generation?: unknown;
  details?: { finish_reason?: unknown; generated_tokens?: unknown } | null;
}

/**
 * A TGI answer (`[{generated_text}]`, `{generated_text}` or `{generation}`) as a chat completion. TGI reports no
 * prompt tokens: both sides are counted, as LiteLLM does.
 */
export function fromTgiResponse(response: unknown, prompt: string, endpoint: string): CompletionObject {
  const first = (Array.isArray(response) ? response[0] : response) as TgiGeneration | undefined;
  let text = typeof first?.generated_text === 'string' ? first.generated_text : typeof first?.generation === 'string' ? first.generation : '';
  // Endpoints with return_full_text echo the templated prompt first.
  if (text.startsWith(prompt) && prompt.includes('<s>')) text = text.slice(prompt.length);
  const finish = first?.details?.finish_reason === 'length' ? 'length' : 'stop';
  const completionTokens = typeof first?.details?.generated_tokens === 'number' ? first.details.generated_tokens : countTextTokens(text, endpoint);
  return {
    id: `chatcmpl-${randomUUID()}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: endpoint,
    choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish, logprobs: null }],
    usage: usageOf(countTextTokens(prompt, endpoint), completionTokens),
  };
}

/** What one stream event of an endpoint carries: a JSON object, or the exception SageMaker ended the stream with. */
export type SageMakerFrame = { kind: 'data'; value: Record<string, unknown> } | { kind: 'exception'; type: string; message: string };

/**
 * The container's server-sent events inside `PayloadPart`s: an event may be split over parts and a part may hold
 * several, so the bytes are joined and cut at blank lines; a `data:` text that is not yet whole JSON waits for more.
 */
export async function* sagemakerFrames(body: AsyncIterable<Buffer>): AsyncGenerator<SageMakerFrame[]> {
  const decoder = new TextDecoder();
  let text = '';
  let pending = '';
  const take = (event: string, out: SageMakerFrame[]): void => {
    const data = event
      .split('\n')
      .map((line) => line.replace(/\r$/, ''))
      .map((line) => (line.startsWith('data:') ? line.slice(line[5] === ' ' ? 6 : 5) : line))
      .join('')
      .trim();
    if (!data || data === '[DONE]') return;
    pending += data;
    try {
      out.push({ kind: 'data', value: JSON.parse(pending) as Record<string, unknown> });
      pending = '';
    } catch {
      // Not whole yet: the rest is in a later part.
    }
  };
  for await (const batch of awsEventStreamMessages(body)) {
    const out: SageMakerFrame[] = [];
    for (const message of batch) {
      if (message.messageType !== 'event') {
        const payload = new TextDecoder().decode(message.body);
        let detail = payload;
        try {
          const parsed = JSON.parse(payload) as { Message?: unknown; message?: unknown };
          detail = String(parsed.Message ?? parsed.message ?? payload);
        } catch {
          // Keep the text.
        }
        out.push({ kind: 'exception', type: message.eventType, message: detail });
        continue;
      }
      if (message.eventType !== 'PayloadPart') continue;
      text += decoder.decode(message.body, { stream: true });
      let boundary = text.search(/\r?\n\r?\n/);
      while (boundary >= 0) {
        const length = text.slice(boundary).match(/^\r?\n\r?\n/)?.[0].length ?? 2;
        take(text.slice(0, boundary), out);
        text = text.slice(boundary + length);
        boundary = text.search(/\r?\n\r?\n/);
      }
    }
    if (out.length) yield out;
  }
  const out: SageMakerFrame[] = [];
  if (text.trim()) take(text, out);
  if (pending) throw new SyntaxError('the endpoint stream ended inside a JSON event');
  if (out.length) yield out;
}

export class SageMakerStreamException extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
  ) {
    super(detail);
  }
}

function exceptionOf(frame: Extract<SageMakerFrame, { kind: 'exception' }>): SageMakerStreamException {
  // ModelStreamError is the model's own failure; InternalStreamFailure is SageMaker's.
  return new SageMakerStreamException(frame.type === 'ModelStreamError' ? 424 : 500, `${frame.type}: ${frame.message}`);
}

/** TGI's token events (`{token: {text, special}, details}`) → OpenAI chunks, closed by the finish reason and usage. */
export class TgiChunkTranslator implements ChunkTranslator<SageMakerFrame> {
  private readonly chunks: ChunkBuilder;
  private text = '';
  private finishReason = 'stop';
  private generatedTokens: number | undefined;

  constructor(
    private readonly endpoint: string,
    private readonly prompt: string,
  ) {
    this.chunks = new ChunkBuilder(endpoint);
  }

  next(frame: SageMakerFrame): object[] {
    if (frame.kind === 'exception') throw exceptionOf(frame);
    const event = frame.value as { token?: { text?: unknown; special?: unknown }; details?: { finish_reason?: unknown; generated_tokens?: unknown } | null; error?: unknown };
    if (typeof event.error === 'string') throw new SageMakerStreamException(424, event.error);
    if (event.details) {
      if (event.details.finish_reason === 'length') this.finishReason = 'length';
      if (typeof event.details.generated_tokens === 'number') this.generatedTokens = event.details.generated_tokens;
    }
    const token = event.token;
    if (!token || token.special === true || typeof token.text !== 'string' || token.text === '' || token.text === '<|endoftext|>') return [];
    this.text += token.text;
    return [this.chunks.delta({ content: token.text })];
  }

  end(): object[] {
    const completion = this.generatedTokens ?? countTextTokens(this.text, this.endpoint);
    return [this.chunks.finish(this.finishReason), this.chunks.usage(usageOf(countTextTokens(this.prompt, this.endpoint), completion))];
  }
}

/**
 * A Messages-API endpoint's events are OpenAI chunks already; they pass as they are. A container that answered a
 * whole completion instead (no streaming support) is cut into the chunks it would have sent.
 */
export class SageMakerChatChunkTranslator implements ChunkTranslator<SageMakerFrame> {
  private readonly chunks: ChunkBuilder;

  constructor(endpoint: string) {
    this.chunks = new ChunkBuilder(endpoint);
  }

  next(frame: SageMakerFrame): object[] {
    if (frame.kind === 'exception') throw exceptionOf(frame);
    const value = frame.value as { object?: unknown; error?: unknown; choices?: { message?: { content?: unknown }; finish_reason?: unknown }[]; usage?: unknown };
    if (value.error !== undefined) throw new SageMakerStreamException(424, typeof value.error === 'string' ? value.error : JSON.stringify(value.error));
    if (value.object !== 'chat.completion') return [value];
    const choice = value.choices?.[0];
    const out = [
      this.chunks.delta({ content: typeof choice?.message?.content === 'string' ? choice.message.content : '' }),
      this.chunks.finish(typeof choice?.finish_reason === 'string' ? choice.finish_reason : 'stop'),
    ];
    if (value.usage && typeof value.usage === 'object') out.push(this.chunks.usage(value.usage as Parameters<ChunkBuilder['usage']>[0]));
    return out;
  }

  end(): object[] {
    return [];
  }
}
