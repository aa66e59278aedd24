import type { ChatCompletionRequest, CompletionObject, TextCompletionRequest } from '../openai.types';

/** Sampling fields a text completion and a chat completion share. */
const SHARED_FIELDS = [
  'max_tokens',
  'temperature',
  'top_p',
  'n',
  'stop',
  'presence_penalty',
  'frequency_penalty',
  'seed',
  'user',
  'stream',
  'stream_options',
  'logit_bias',
] as const;

/**
 * `/completions` on a chat-only provider: the prompt becomes the user message (LiteLLM does the same). A list of
 * prompts is joined: chat providers answer one conversation per call.
 */
export function chatRequestFromCompletion(request: TextCompletionRequest): ChatCompletionRequest {
  const chat: Record<string, unknown> = { model: request.model, messages: [{ role: 'user', content: promptText(request.prompt) }] };
  for (const field of SHARED_FIELDS) if (request[field] !== undefined) chat[field] = request[field];
  return chat as ChatCompletionRequest;
}

export function promptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.filter((part): part is string => typeof part === 'string').join('\n');
  return '';
}

interface ChatChoice {
  index?: number;
  message?: { content?: unknown };
  delta?: { content?: unknown };
  finish_reason?: unknown;
}

/** A `chat.completion` answered as a `text_completion`. */
export function textCompletionFromChat(chat: CompletionObject): CompletionObject {
  const choices = (chat.choices as ChatChoice[] | undefined) ?? [];
  return {
    id: chat.id,
    object: 'text_completion',
    created: chat.created,
    model: chat.model,
    choices: choices.map((choice, index) => ({
      index: choice.index ?? index,
      text: typeof choice.message?.content === 'string' ? choice.message.content : '',
      logprobs: null,
      finish_reason: choice.finish_reason ?? null,
    })),
    usage: chat.usage ?? null,
  };
}

/** One chat chunk (JSON text) as a text-completion chunk; role-only chunks disappear. */
export function textChunkFromChatChunk(data: string): string | undefined {
  const chunk = JSON.parse(data) as CompletionObject;
  const choices = (chunk.choices as ChatChoice[] | undefined) ?? [];
  const mapped = choices
    .map((choice) => ({
      index: choice.index ?? 0,
      text: typeof choice.delta?.content === 'string' ? choice.delta.content : '',
      logprobs: null,
      finish_reason: choice.finish_reason ?? null,
    }))
    .filter((choice) => choice.text !== '' || choice.finish_reason !== null);
  if (mapped.length === 0 && !chunk.usage) return undefined;
  const out: Record<string, unknown> = { id: chunk.id, object: 'text_completion', created: chunk.created, model: chunk.model, choices: mapped };
  if (chunk.usage) out.usage = chunk.usage;
  return JSON.stringify(out);
}

/** The reverse, for `text-completion-openai/` deployments asked for a chat completion. */
export function chatFromTextCompletion(completion: CompletionObject): CompletionObject {
  const choices = (completion.choices as { index?: number; text?: unknown; finish_reason?: unknown }[] | undefined) ?? [];
  return {
    id: completion.id,
    object: 'chat.completion',
    created: completion.created,
    model: completion.model,
    choices: choices.map((choice, index) => ({
      index: choice.index ?? index,
      message: { role: 'assistant', content: typeof choice.text === 'string' ? choice.text : '' },
      finish_reason: choice.finish_reason ?? null,
      logprobs: null,
    })),
    usage: completion.usage ?? null,
  };
}

export function chatChunkFromTextChunk(data: string): string {
  const chunk = JSON.parse(data) as CompletionObject;
  const choices = (chunk.choices as { index?: number; text?: unknown; finish_reason?: unknown }[] | undefined) ?? [];
  const out: Record<string, unknown> = {
    id: chunk.id,
    object: 'chat.completion.chunk',
    created: chunk.created,
    model: chunk.model,
    choices: choices.map((choice) => ({
      index: choice.index ?? 0,
      delta: typeof choice.text === 'string' && choice.text !== '' ? { content: choice.text } : {},
      finish_reason: choice.finish_reason ?? null,
      logprobs: null,
    })),
  };
  if (chunk.usage) out.usage = chunk.usage;
  return JSON.stringify(out);
}
