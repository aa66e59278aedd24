import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ServerResponse } from 'node:http';
import { encodeAwsEventStreamFrame } from '../../../src/routing/providers/bedrock/aws-event-stream';
import { answerMessages, messagesEvents, validateMessages } from './anthropic.mock';
import { type ProviderHandler, type RecordedProviderRequest, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

export const BEDROCK_TEST_CREDENTIALS = { accessKeyId: 'AKIAMOCKBEDROCK00001', secretAccessKey: 'mock/bedrock+secret/key0000000000000001' };
export const BEDROCK_TEST_REGION = 'us-west-2';

const PATH = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;

/** The body fields Claude on InvokeModel takes: the Messages API's, without model and stream, plus Bedrock's own. */
const CLAUDE_INVOKE_FIELDS = new Set([
  'anthropic_version',
  'anthropic_beta',
  'messages',
  'system',
  'max_tokens',
  'stop_sequences',
  'temperature',
  'top_k',
  'top_p',
  'tools',
  'tool_choice',
  'thinking',
]);
/** Betas Claude on Bedrock takes (any other fails the call, as on AWS). */
const CLAUDE_INVOKE_BETAS = new Set([
  'computer-use-2025-01-24',
  'context-1m-2025-08-07',
  'interleaved-thinking-2025-05-14',
  'context-management-2025-06-27',
  'tool-search-tool-2025-10-19',
]);
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

interface Block {
  text?: string;
  image?: { format: string; source: { bytes: string } };
  toolUse?: { toolUseId: string; name: string; input: unknown };
  toolResult?: { toolUseId: string; content: { text?: string }[] };
}

/**
 * Speaks Bedrock Runtime's Converse and ConverseStream. Every request's SigV4 signature is verified by signing the
 * received request again with the known secret (the real service's check): a wrong key, region, service, path
 * encoding or body fails with 403 as on AWS. It echoes the last user text; with tools it calls the first tool with
 * `{"input": <text>}`; after a tool result it reports it. Model ids ending in `too-long`, `throttled` and
 * `stream-throttle` fail as Bedrock does.
 */
export const bedrockMock: ProviderHandler = async ({ request, res }) => {
  const match = PATH.exec(request.path);
  if (request.method !== 'POST' || !match) return false;
  const modelId = decodeURIComponent(match[1]);
  const signatureProblem = await verifySignature(request);
  if (signatureProblem) return fail(res, 403, 'UnrecognizedClientException', signatureProblem);
  const body = request.body ?? {};
  if (/(^|\.)anthropic\.claude/.test(modelId) && match[2].startsWith('invoke')) return invokeClaude(res, modelId, body, match[2] === 'invoke-with-response-stream');
  if (match[2] === 'invoke') return invokeEmbedding(res, modelId, body);
  const problem = validate(body);
  if (problem) return fail(res, 400, 'ValidationException', problem);
  if (modelId.endsWith('too-long')) return fail(res, 400, 'ValidationException', 'Input is too long for requested model.');
  if (modelId.endsWith('throttled')) return fail(res, 429, 'ThrottlingException', 'Too many requests, please wait before trying again.');
  const messages = body.messages as { role: string; content: Block[] }[];
  const last = messages[messages.length - 1];
  const toolResult = last.content.find((block) => block.toolResult)?.toolResult;
  const userText = last.content.map((block) => block.text ?? '').join('');
  const images = last.content.filter((block) => block.image).length;
  const tools = ((body.toolConfig as { tools?: { toolSpec: { name: string } }[] } | undefined)?.tools ?? []).map((tool) => tool.toolSpec.name);
  let content: Block[];
  let stopReason: string;
  if (toolResult) {
    content = [{ text: `The tool returned: ${toolResult.content.map((item) => item.text).join('')}` }];
    stopReason = 'end_turn';
  } else if (tools.length) {
    content = [{ toolUse: { toolUseId: `tooluse_mock${Date.now()}`, name: tools[0], input: { input: userText } } }];
    stopReason = 'tool_use';
  } else {
    const system = (body.system as { text: string }[] | undefined)?.map((item) => item.text).join(' ');
    content = [{ text: `Bedrock ${modelId} echo: ${userText}${images ? ` [${images} image(s)]` : ''}${system ? ` (system: ${system})` : ''}` }];
    stopReason = 'end_turn';
  }
  const inputTokens = tokensOf(JSON.stringify(messages));
  const outputTokens = tokensOf(JSON.stringify(content));
  const usage = { inputTokens, outputTokens, totalTokens: inputTokens + outputTokens };
  const requestId = `req-${Date.now()}`;
  if (match[2] === 'converse') {
    sendJson(res, 200, { output: { message: { role: 'assistant', content } }, stopReason, usage, metrics: { latencyMs: 12 } }, { 'x-amzn-requestid': requestId });
    return true;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId });
  const event = (eventType: string, payload: Record<string, unknown>): Buffer => Buffer.from(encodeAwsEventStreamFrame({ messageType: 'event', eventType, payload }));
  const frames: Buffer[] = [event('messageStart', { role: 'assistant' })];
  content.forEach((block, contentBlockIndex) => {
    if (block.text !== undefined) {
      for (const piece of words(block.text)) frames.push(event('contentBlockDelta', { contentBlockIndex, delta: { text: piece } }));
      if (modelId.endsWith('stream-throttle')) {
        frames.push(
          Buffer.from(
            encodeAwsEventStreamFrame({ messageType: 'exception', eventType: 'throttlingException', payload: { message: 'Too many tokens, please wait before trying again.' } }),
          ),
        );
      }
    } else if (block.toolUse) {
      frames.push(event('contentBlockStart', { contentBlockIndex, start: { toolUse: { toolUseId: block.toolUse.toolUseId, name: block.toolUse.name } } }));
      const json = JSON.stringify(block.toolUse.input);
      frames.push(event('contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: json.slice(0, 5) } } }));
      frames.push(event('contentBlockDelta', { contentBlockIndex, delta: { toolUse: { input: json.slice(5) } } }));
    }
    frames.push(event('contentBlockStop', { contentBlockIndex }));
  });
  frames.push(event('messageStop', { stopReason }), event('metadata', { usage, metrics: { latencyMs: 12 } }));
  // Frames cut at odd places, as TCP does: the reader must reassemble them.
  const bytes = Buffer.concat(frames);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 37) pieces.push(bytes.subarray(at, at + 37));
  await writeSlowly(res as ServerResponse, pieces, 1);
  return true;
};

async function verifySignature(request: RecordedProviderRequest): Promise<string | undefined> {
  const parsed = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!parsed) return 'Missing Authentication Token';
  const [, accessKeyId, , region, service, signedHeaderList, signature] = parsed;
  if (accessKeyId !== BEDROCK_TEST_CREDENTIALS.accessKeyId) return 'The security token included in the request is invalid.';
  if (region !== BEDROCK_TEST_REGION || service !== 'bedrock') return `Credential should be scoped to a valid region and service (got ${region}/${service}).`;
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signingDate.getTime())) return 'missing x-amz-date';
  const headers: Record<string, string> = {};
  for (const name of signedHeaderList.split(';')) headers[name] = request.headers[name] ?? '';
  const [hostname, port] = (request.headers.host ?? '').split(':');
  const signer = new SignatureV4({ credentials: BEDROCK_TEST_CREDENTIALS, region, service, sha256: Sha256 });
  const expected = await signer.sign(
    { method: request.method, protocol: 'http:', hostname, port: port ? Number(port) : undefined, path: request.path, query: {}, headers, body: request.raw.toString('utf8') },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(expected.headers.authorization)?.[1];
  return expectedSignature === signature ? undefined : 'The request signature we calculated does not match the signature you provided.';
}

function validate(body: Record<string, unknown>): string | undefined {
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'A conversation must start with a user message.';
  const messages = body.messages as { role: string; content: Block[] }[];
  const toolUseIds = new Set<string>();
  for (let i = 0; i < messages.length; i++) {
    if (messages[i].role !== 'user' && messages[i].role !== 'assistant') return `messages.${i}.role: invalid`;
    if (i === 0 && messages[i].role !== 'user') return 'A conversation must start with a user message.';
    if (i > 0 && messages[i].role === messages[i - 1].role) return 'A conversation must alternate between user and assistant roles.';
    for (const block of messages[i].content) {
      if (block.toolUse) toolUseIds.add(block.toolUse.toolUseId);
      if (block.toolResult && !toolUseIds.has(block.toolResult.toolUseId)) return 'The toolResult blocks must match the toolUse blocks of the previous turn.';
      if (block.image && !['png', 'jpeg', 'gif', 'webp'].includes(block.image.format)) return 'invalid image format';
    }
  }
  const config = (body.inferenceConfig ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(config)) if (!['maxTokens', 'temperature', 'topP', 'stopSequences'].includes(key)) return `inferenceConfig: unknown field ${key}`;
  return undefined;
}

/**
 * Claude through InvokeModel / InvokeModelWithResponseStream: the Anthropic Messages body with Bedrock's
 * `anthropic_version` (and `anthropic_beta` list), answered as the Anthropic mock answers; the stream is Anthropic's
 * events, each base64 in a `chunk` frame of the AWS event stream.
 */
async function invokeClaude(res: ServerResponse, modelId: string, body: Record<string, unknown>, stream: boolean): Promise<true> {
  if (body.anthropic_version !== 'bedrock-2023-05-31') return fail(res, 400, 'ValidationException', 'Malformed input request: anthropic_version: bedrock-2023-05-31 is required');
  const betas = Array.isArray(body.anthropic_beta) ? (body.anthropic_beta as string[]) : [];
  const invalid = betas.find((beta) => !CLAUDE_INVOKE_BETAS.has(beta));
  if (invalid) return fail(res, 400, 'ValidationException', `invalid beta flag: ${invalid}`);
  const problem = validateMessages(body, CLAUDE_INVOKE_FIELDS);
  if (problem) return fail(res, 400, 'ValidationException', `Malformed input request: ${problem}`);
  const answer = answerMessages(body);
  const requestId = `req-${Date.now()}`;
  if (!stream) {
    sendJson(
      res,
      200,
      {
        id: answer.id.replace('msg_', 'msg_bdrk_'),
        type: 'message',
        role: 'assistant',
        model: modelId,
        content: answer.content,
        stop_reason: answer.stopReason,
        stop_sequence: null,
        usage: answer.usage,
      },
      { 'x-amzn-requestid': requestId },
    );
    return true;
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-requestid': requestId });
  const frames = messagesEvents({ ...answer, id: answer.id.replace('msg_', 'msg_bdrk_') }, modelId).map(({ data }) =>
    Buffer.from(encodeAwsEventStreamFrame({ messageType: 'event', eventType: 'chunk', payload: { bytes: Buffer.from(JSON.stringify(data)).toString('base64') } })),
  );
  const bytes = Buffer.concat(frames);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 53) pieces.push(bytes.subarray(at, at + 53));
  await writeSlowly(res, pieces, 1);
  return true;
}

/** InvokeModel for the two embedding families the adapter supports, with their own body shapes. */
function invokeEmbedding(res: ServerResponse, modelId: string, body: Record<string, unknown>): true {
  if (modelId.startsWith('amazon.titan-embed')) {
    if (typeof body.inputText !== 'string') return fail(res, 400, 'ValidationException', 'Malformed input request: required key [inputText] not found');
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 4;
    sendJson(res, 200, { embedding: Array.from({ length: dimensions }, (_, i) => (body.inputText as string).length / (i + 1)), inputTextTokenCount: tokensOf(body.inputText) });
    return true;
  }
  if (modelId.startsWith('cohere.embed')) {
    if (!Array.isArray(body.texts) || typeof body.input_type !== 'string')
      return fail(res, 400, 'ValidationException', 'Malformed input request: texts and input_type are required');
    sendJson(res, 200, { id: 'emb', embeddings: (body.texts as string[]).map((text) => [text.length, 1, 2]), texts: body.texts });
    return true;
  }
  return fail(res, 400, 'ValidationException', `The provided model identifier is invalid: ${modelId}`);
}

function fail(res: ServerResponse, status: number, type: string, message: string): true {
  sendJson(res, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` });
  return true;
}
