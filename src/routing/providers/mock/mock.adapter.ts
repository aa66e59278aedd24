import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Deployment } from '../../deployment';
import type { ChatCompletionRequest, ChatMessage, CompletionObject, EmbeddingRequest, TextCompletionRequest, Usage } from '../../openai.types';
import type { EmbeddingResult, JsonResult, ProviderAdapter, StreamResult } from '../provider-adapter';

const DEFAULT_EMBEDDING_DIMENSIONS = 1536;

/**
 * The built-in `mock/<name>` provider: answers in-process, deterministically, with realistic usage, so the
 * demo and tests need no network. `litellm_params.mock_response` fixes the reply text.
 */
@Injectable()
export class MockAdapter implements ProviderAdapter {
  readonly id = 'mock' as const;

  async chat(request: ChatCompletionRequest, deployment: Deployment): Promise<JsonResult<CompletionObject>> {
    const content = replyFor(deployment, lastUserText(request.messages));
    return {
      headers: {},
      body: {
        id: mockId(),
        object: 'chat.completion',
        created: nowSeconds(),
        model: deployment.upstreamModel,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop', logprobs: null }],
        usage: usageOf(promptTokens(request.messages), content),
        system_fingerprint: null,
      },
    };
  }

  async chatStream(request: ChatCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const content = replyFor(deployment, lastUserText(request.messages));
    const usage = usageOf(promptTokens(request.messages), content);
    const base = { id: mockId(), object: 'chat.completion.chunk', created: nowSeconds(), model: deployment.upstreamModel };
    const pieces = content.match(/\S+\s*/g) ?? [content];
    async function* batches(): AsyncGenerator<string[]> {
      yield [JSON.stringify({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] })];
      for (const piece of pieces) {
        if (signal.aborted) return;
        yield [JSON.stringify({ ...base, choices: [{ index: 0, delta: { content: piece }, finish_reason: null }] })];
      }
      yield [JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] })];
      yield [JSON.stringify({ ...base, choices: [], usage })];
    }
    return { headers: {}, batches: batches() };
  }

  async completion(request: TextCompletionRequest, deployment: Deployment): Promise<JsonResult<CompletionObject>> {
    const prompt = promptText(request.prompt);
    const text = replyFor(deployment, prompt);
    return {
      headers: {},
      body: {
        id: mockId(),
        object: 'text_completion',
        created: nowSeconds(),
        model: deployment.upstreamModel,
        choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }],
        usage: usageOf(estimateTokens(prompt), text),
      },
    };
  }

  async completionStream(request: TextCompletionRequest, deployment: Deployment, signal: AbortSignal): Promise<StreamResult> {
    const prompt = promptText(request.prompt);
    const text = replyFor(deployment, prompt);
    const usage = usageOf(estimateTokens(prompt), text);
    const base = { id: mockId(), object: 'text_completion', created: nowSeconds(), model: deployment.upstreamModel };
    const pieces = text.match(/\S+\s*/g) ?? [text];
    async function* batches(): AsyncGenerator<string[]> {
      for (const piece of pieces) {
        if (signal.aborted) return;
        yield [JSON.stringify({ ...base, choices: [{ index: 0, text: piece, logprobs: null, finish_reason: null }] })];
      }
      yield [JSON.stringify({ ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] })];
      yield [JSON.stringify({ ...base, choices: [], usage })];
    }
    return { headers: {}, batches: batches() };
  }

  async embeddings(request: EmbeddingRequest, deployment: Deployment): Promise<EmbeddingResult> {
    const inputs = Array.isArray(request.input) ? request.input : [request.input];
    const dimensions = typeof request.dimensions === 'number' && request.dimensions > 0 ? Math.min(request.dimensions, 8192) : DEFAULT_EMBEDDING_DIMENSIONS;
    let tokens = 0;
    const data = inputs.map((input, index) => {
      const text = typeof input === 'string' ? input : JSON.stringify(input);
      tokens += estimateTokens(text);
      const vector = deterministicVector(text, dimensions);
      const embedding = request.encoding_format === 'base64' ? Buffer.from(vector.buffer).toString('base64') : Array.from(vector);
      return { object: 'embedding', index, embedding };
    });
    const usage = { prompt_tokens: tokens, total_tokens: tokens };
    return { headers: {}, usage, rawJson: JSON.stringify({ object: 'list', data, model: deployment.upstreamModel, usage }) };
  }
}

function replyFor(deployment: Deployment, userText: string): string {
  const fixed = deployment.params.mock_response;
  if (typeof fixed === 'string') return fixed;
  const echoed = userText.length > 80 ? `${userText.slice(0, 77)}...` : userText;
  return `This is a mock response from Tollgate's built-in provider (${deployment.upstreamModel}). You said: ${echoed}`;
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i].role === 'user') return contentText(messages[i].content);
  }
  return '';
}

function contentText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content.map((part) => (typeof part === 'object' && part && 'text' in part ? String((part as { text: unknown }).text) : '')).join(' ');
  }
  return '';
}

function promptText(prompt: unknown): string {
  if (typeof prompt === 'string') return prompt;
  if (Array.isArray(prompt)) return prompt.map((p) => (typeof p === 'string' ? p : '')).join('\n');
  return '';
}

/** Roughly what tiktoken gives for English: ~4 characters per token. */
function estimateTokens(text: string): number {
  return text.length === 0 ? 0 : Math.ceil(text.length / 4);
}

/** OpenAI's chat format adds about 3 tokens per message plus 3 for the reply priming. */
function promptTokens(messages: readonly ChatMessage[]): number {
  return messages.reduce((sum, message) => sum + 3 + estimateTokens(contentText(message.content)), 3);
}

function usageOf(prompt: number, completionText: string): Usage {
  const completion = estimateTokens(completionText);
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

function deterministicVector(text: string, dimensions: number): Float32Array {
  const vector = new Float32Array(dimensions);
  let seed = createHash('sha256').update(text).digest();
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    if (i % 8 === 0 && i > 0) seed = createHash('sha256').update(seed).digest();
    const value = (seed.readUInt32LE((i % 8) * 4) / 0xffffffff) * 2 - 1;
    vector[i] = value;
    norm += value * value;
  }
  const scale = 1 / Math.sqrt(norm || 1);
  for (let i = 0; i < dimensions; i++) vector[i] *= scale;
  return vector;
}

function mockId(): string {
  return `mock-${createHash('sha1').update(String(process.hrtime.bigint())).digest('hex').slice(0, 24)}`;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
