import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { ServerResponse } from 'node:http';
import { encodeAwsEventStreamMessage } from '../../../src/routing/providers/bedrock/aws-event-stream';
import { type ProviderHandler, type RecordedProviderRequest, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

export const SAGEMAKER_TEST_CREDENTIALS = { accessKeyId: 'AKIAMOCKSAGEMAKER001', secretAccessKey: 'mock/sagemaker+secret/key00000000000001' };
export const SAGEMAKER_TEST_REGION = 'eu-west-1';

const PATH = /^\/endpoints\/([^/]+)\/(invocations|invocations-response-stream)$/;
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/;

/**
 * SageMaker Runtime's InvokeEndpoint and InvokeEndpointWithResponseStream in front of Hugging Face TGI containers.
 * Every request's SigV4 signature (service `sagemaker`) is verified by signing it again with the known secret. A body
 * with `inputs` is TGI's generate API: it refuses what TGI refuses (a temperature or `max_new_tokens` that is not
 * positive) and answers `TGI <endpoint> echo: <inputs>`, streamed as TGI token events. A body with `messages` is TGI's
 * Messages API, answered as OpenAI does. Streams go out as `PayloadPart` events cut at odd places, one event split over
 * two parts and two in one. Endpoints: `*-model-error` fails as a container error does (424), `*-stream-error` ends its
 * stream with a ModelStreamError, `*-components` needs an inference component header.
 */
export const sagemakerMock: ProviderHandler = async ({ request, res }) => {
  const match = PATH.exec(request.path);
  if (request.method !== 'POST' || !match) return false;
  const endpoint = decodeURIComponent(match[1]);
  const streaming = match[2] === 'invocations-response-stream';
  const signatureProblem = await verifySignature(request);
  if (signatureProblem) return fail(res, 403, 'InvalidSignatureException', { message: signatureProblem });
  if (endpoint.endsWith('-components') && !request.headers['x-amzn-sagemaker-inference-component']) {
    return fail(res, 400, 'ValidationError', { message: 'Inference Component Name header is required for endpoints to which you plan to deploy inference components.' });
  }
  if (endpoint.endsWith('-model-error')) {
    return fail(res, 424, 'ModelError', {
      ErrorCode: 'CLIENT_ERROR_FROM_MODEL',
      LogStreamArn: 'arn:aws:logs:eu-west-1:1:log-group:/aws/sagemaker/Endpoints/x',
      Message: 'Received client error (422) from primary with message "Input validation error: `inputs` tokens + `max_new_tokens` must be <= 4096".',
    });
  }
  const body = request.body ?? {};
  if (typeof body.inputs === 'string') return tgi(res, endpoint, body, streaming);
  if (Array.isArray(body.messages)) return messages(res, endpoint, body, streaming);
  return fail(res, 424, 'ModelError', {
    ErrorCode: 'CLIENT_ERROR_FROM_MODEL',
    Message: 'Received client error (422) from primary with message "Failed to deserialize the JSON body".',
  });
};

async function tgi(res: ServerResponse, endpoint: string, body: Record<string, unknown>, streaming: boolean): Promise<true> {
  const parameters = (body.parameters ?? {}) as Record<string, unknown>;
  for (const name of ['temperature', 'max_new_tokens', 'top_p']) {
    if (parameters[name] !== undefined && !(typeof parameters[name] === 'number' && (parameters[name] as number) > 0)) {
      return fail(res, 424, 'ModelError', {
        ErrorCode: 'CLIENT_ERROR_FROM_MODEL',
        Message: `Received client error (422) from primary with message "Input validation error: \`${name}\` must be strictly positive".`,
      });
    }
  }
  let pieces = words(`TGI ${endpoint} echo: ${body.inputs as string}`);
  let finish = 'eos_token';
  if (typeof parameters.max_new_tokens === 'number' && pieces.length > parameters.max_new_tokens) {
    pieces = pieces.slice(0, parameters.max_new_tokens);
    finish = 'length';
  }
  const text = pieces.join('');
  const headers = { 'x-amzn-requestid': `sm-${Date.now()}`, 'x-amzn-invoked-production-variant': 'AllTraffic' };
  if (!streaming) {
    if (body.stream === true) return fail(res, 424, 'ModelError', { ErrorCode: 'CLIENT_ERROR_FROM_MODEL', Message: 'stream=true needs InvokeEndpointWithResponseStream' });
    sendJson(res, 200, [{ generated_text: text, details: { finish_reason: finish, generated_tokens: pieces.length } }], headers);
    return true;
  }
  if (body.stream !== true) return fail(res, 424, 'ModelError', { ErrorCode: 'CLIENT_ERROR_FROM_MODEL', Message: 'TGI streams only with stream=true' });
  const events = pieces.map(
    (piece, index) => `data:${JSON.stringify({ index, token: { id: index, text: piece, logprob: -0.1, special: false }, generated_text: null, details: null })}\n\n`,
  );
  events.push(
    `data:${JSON.stringify({ index: pieces.length, token: { id: 2, text: '</s>', logprob: 0, special: true }, generated_text: text, details: { finish_reason: finish, generated_tokens: pieces.length + 1, seed: null } })}\n\n`,
  );
  return stream(res, headers, events, endpoint.endsWith('-stream-error'));
}

async function messages(res: ServerResponse, endpoint: string, body: Record<string, unknown>, streaming: boolean): Promise<true> {
  const chat = body.messages as { role: string; content: unknown }[];
  const last = chat[chat.length - 1];
  const text = `TGI chat ${endpoint} echo: ${typeof last.content === 'string' ? last.content : JSON.stringify(last.content)}`;
  const usage = { prompt_tokens: tokensOf(JSON.stringify(chat)), completion_tokens: tokensOf(text), total_tokens: tokensOf(JSON.stringify(chat)) + tokensOf(text) };
  const headers = { 'x-amzn-requestid': `sm-${Date.now()}` };
  if (!streaming) {
    sendJson(
      res,
      200,
      {
        id: '',
        object: 'chat.completion',
        created: 1,
        model: 'tgi',
        system_fingerprint: '2.4.0-native',
        choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: 'stop' }],
        usage,
      },
      headers,
    );
    return true;
  }
  if (body.stream !== true) return fail(res, 424, 'ModelError', { ErrorCode: 'CLIENT_ERROR_FROM_MODEL', Message: 'stream=true expected on the response stream' });
  const chunk = (delta: object, finish: string | null): string =>
    `data: ${JSON.stringify({ object: 'chat.completion.chunk', id: '', created: 1, model: 'tgi', system_fingerprint: '2.4.0-native', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] })}\n\n`;
  const events = words(text).map((piece, at) => chunk(at === 0 ? { role: 'assistant', content: piece } : { content: piece }, null));
  events.push(chunk({}, 'stop'));
  if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) {
    events.push(`data: ${JSON.stringify({ object: 'chat.completion.chunk', id: '', created: 1, model: 'tgi', choices: [], usage })}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return stream(res, headers, events, endpoint.endsWith('-stream-error'));
}

/** The events as PayloadParts: the first split over two parts, the next two sharing one, then one each. */
async function stream(res: ServerResponse, headers: Record<string, string>, events: string[], failMidway: boolean): Promise<true> {
  const parts: string[] = [];
  if (events.length >= 3) {
    const first = events[0];
    const cut = Math.floor(first.length / 2);
    parts.push(first.slice(0, cut), first.slice(cut) + events[1], ...events.slice(2));
  } else parts.push(...events);
  const frames = parts.map((part) => Buffer.from(encodeAwsEventStreamMessage({ messageType: 'event', eventType: 'PayloadPart', body: Buffer.from(part) })));
  if (failMidway) {
    frames.splice(
      3,
      frames.length,
      Buffer.from(
        encodeAwsEventStreamMessage({
          messageType: 'exception',
          eventType: 'ModelStreamError',
          body: Buffer.from(JSON.stringify({ Message: 'Your model ran out of memory', ErrorCode: 'ModelStreamError' })),
        }),
      ),
    );
  }
  res.writeHead(200, { 'content-type': 'application/vnd.amazon.eventstream', 'x-amzn-sagemaker-content-type': 'text/event-stream', ...headers });
  // Frames cut at odd places, as TCP does.
  const bytes = Buffer.concat(frames);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += 41) pieces.push(bytes.subarray(at, at + 41));
  await writeSlowly(res, pieces, 1);
  return true;
}

async function verifySignature(request: RecordedProviderRequest): Promise<string | undefined> {
  const parsed = AUTHORIZATION.exec(request.headers.authorization ?? '');
  if (!parsed) return 'Missing Authentication Token';
  const [, accessKeyId, , region, service, signedHeaderList, signature] = parsed;
  if (accessKeyId !== SAGEMAKER_TEST_CREDENTIALS.accessKeyId) return 'The security token included in the request is invalid.';
  if (region !== SAGEMAKER_TEST_REGION || service !== 'sagemaker') return `Credential should be scoped to a valid region and service (got ${region}/${service}).`;
  const amzDate = request.headers['x-amz-date'] ?? '';
  const signingDate = new Date(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(signingDate.getTime())) return 'missing x-amz-date';
  const headers: Record<string, string> = {};
  for (const name of signedHeaderList.split(';')) headers[name] = request.headers[name] ?? '';
  const [hostname, port] = (request.headers.host ?? '').split(':');
  const signer = new SignatureV4({ credentials: SAGEMAKER_TEST_CREDENTIALS, region, service, sha256: Sha256 });
  const expected = await signer.sign(
    { method: request.method, protocol: 'http:', hostname, port: port ? Number(port) : undefined, path: request.path, query: {}, headers, body: request.raw.toString('utf8') },
    { signingDate },
  );
  const expectedSignature = /Signature=([0-9a-f]{64})$/.exec(expected.headers.authorization)?.[1];
  return expectedSignature === signature ? undefined : 'The request signature we calculated does not match the signature you provided.';
}

function fail(res: ServerResponse, status: number, type: string, body: Record<string, unknown>): true {
  sendJson(res, status, body, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.sagemaker/` });
  return true;
}
