import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { type ProviderHandler, type RecordedProviderRequest, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

export const OPENAI_MEDIA_TEST_KEY = 'sk-openai-media-test-0001';
export const AZURE_MEDIA_TEST_KEY = 'azure-media-test-key-0001';

interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  data: Buffer;
  created_at: number;
}

const AZURE_DEPLOYMENT = /^\/openai\/deployments\/([^/]+)\/(images\/generations|audio\/speech|audio\/transcriptions)\?api-version=[\w-]+$/;
const AZURE_FILES = /^\/openai\/(files(?:\/[^/?]+(?:\/content)?)?)\?api-version=[\w-]+/;
const AZURE_BATCHES = /^\/openai\/(batches(?:\/[^/?]+(?:\/cancel)?)?)\?api-version=[\w-]+/;

/** The usage every line of a mocked batch output file reports. */
export const BATCH_LINE_USAGE = Object.freeze({ prompt_tokens: 100, completion_tokens: 40, total_tokens: 140 });

interface StoredBatch {
  id: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: string;
  output_file_id: string | null;
  created_at: number;
  lines: number;
  /** Retrieves so far: the first shows it in progress, the second completes it. */
  retrieves: number;
  metadata: unknown;
}

/**
 * Speaks OpenAI's non-chat endpoints (and their Azure forms under `/openai/deployments/{name}/…?api-version=` and
 * `/openai/files`): images, speech, transcriptions (parsing the multipart upload for real), moderations, files (kept
 * in memory), and legacy `/v1/completions` for instruct models. Keys are checked per flavour (bearer vs `api-key`).
 */
export function openAiMediaMock(): ProviderHandler {
  const files = new Map<string, StoredFile>();
  const batches = new Map<string, StoredBatch>();
  return async ({ request, res }) => {
    const azure = AZURE_DEPLOYMENT.exec(request.path);
    const azureFiles = AZURE_FILES.exec(request.path) ?? AZURE_BATCHES.exec(request.path);
    let operation: string;
    let model: string | undefined;
    if (azure || azureFiles) {
      if (request.headers['api-key'] !== AZURE_MEDIA_TEST_KEY) return fail(res, 401, 'Access denied due to invalid subscription key.');
      operation = azure ? azure[2] : (azureFiles as RegExpExecArray)[1];
      model = azure?.[1];
    } else if (request.path.startsWith('/v1/')) {
      if (request.headers.authorization !== `Bearer ${OPENAI_MEDIA_TEST_KEY}`) return fail(res, 401, 'Incorrect API key provided.');
      operation = request.path.slice(4).split('?')[0];
    } else return false;
    const body = request.body ?? {};
    model ??= typeof body.model === 'string' ? body.model : undefined;

    if (operation === 'images/generations' && request.method === 'POST') {
      if (typeof body.prompt !== 'string') return fail(res, 400, "Missing required parameter: 'prompt'.");
      const n = typeof body.n === 'number' ? body.n : 1;
      const data = Array.from({ length: n }, (_, i) => ({
        b64_json: Buffer.from(`image ${i} of ${body.prompt}`).toString('base64'),
        revised_prompt: `A picture of ${body.prompt}`,
      }));
      const usage =
        model === 'gpt-image-1'
          ? {
              input_tokens: tokensOf(body.prompt),
              output_tokens: 1056 * n,
              total_tokens: tokensOf(body.prompt) + 1056 * n,
              input_tokens_details: { text_tokens: tokensOf(body.prompt), image_tokens: 0 },
            }
          : undefined;
      sendJson(res, 200, { created: Math.floor(Date.now() / 1000), data, ...(usage ? { usage } : {}) }, { 'x-request-id': 'req_img' });
      return true;
    }
    if (operation === 'audio/speech' && request.method === 'POST') {
      if (typeof body.input !== 'string' || typeof body.voice !== 'string') return fail(res, 400, "Missing required parameter: 'input' or 'voice'.");
      const audio = Buffer.concat([Buffer.from('ID3'), Buffer.from([0, 1, 2, 255]), Buffer.from(`${body.voice}:${body.input}`)]);
      res.writeHead(200, { 'content-type': body.response_format === 'wav' ? 'audio/wav' : 'audio/mpeg', 'content-length': String(audio.length) });
      res.end(audio);
      return true;
    }
    if (operation === 'audio/transcriptions' && request.method === 'POST') {
      const form = await formOf(request);
      if (!form) return fail(res, 400, 'Expected multipart/form-data.');
      const file = form.get('file');
      const formModel = form.get('model');
      if (!(file instanceof Blob) || (!azure && typeof formModel !== 'string')) return fail(res, 400, "Missing required parameter: 'file' or 'model'.");
      const bytes = Buffer.from(await file.arrayBuffer());
      const text = `Transcribed ${bytes.length} bytes of ${(file as File).name} (${file.type}) with ${String(formModel ?? model)}, language ${String(form.get('language') ?? 'auto')}`;
      if (form.get('response_format') === 'text') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end(text);
        return true;
      }
      const usage = String(formModel).includes('transcribe') ? { type: 'tokens', input_tokens: 40, output_tokens: tokensOf(text), total_tokens: 40 + tokensOf(text) } : undefined;
      sendJson(res, 200, { text, ...(usage ? { usage } : {}) });
      return true;
    }
    if (operation === 'moderations' && request.method === 'POST') {
      const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
      const results = inputs.map((input) => {
        const violent = /\b(kill|attack)\b/i.test(input);
        return { flagged: violent, categories: { violence: violent, hate: false }, category_scores: { violence: violent ? 0.97 : 0.01, hate: 0.001 } };
      });
      sendJson(res, 200, { id: `modr-${randomUUID()}`, model: body.model ?? 'omni-moderation-latest', results });
      return true;
    }
    if (operation === 'completions' && request.method === 'POST') {
      const text = `Instruct reply to: ${String(body.prompt)}`;
      const usage = { prompt_tokens: tokensOf(String(body.prompt)), completion_tokens: tokensOf(text), total_tokens: tokensOf(String(body.prompt)) + tokensOf(text) };
      const base = { id: 'cmpl-instruct', object: 'text_completion', created: Math.floor(Date.now() / 1000), model };
      if (body.stream !== true) {
        sendJson(res, 200, { ...base, choices: [{ index: 0, text, logprobs: null, finish_reason: 'stop' }], usage });
        return true;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const events = words(text).map((piece) => `data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: piece, logprobs: null, finish_reason: null }] })}\n\n`);
      events.push(`data: ${JSON.stringify({ ...base, choices: [{ index: 0, text: '', logprobs: null, finish_reason: 'stop' }] })}\n\n`);
      if ((body.stream_options as { include_usage?: boolean } | undefined)?.include_usage) events.push(`data: ${JSON.stringify({ ...base, choices: [], usage })}\n\n`);
      events.push('data: [DONE]\n\n');
      await writeSlowly(res, events);
      return true;
    }
    if (operation === 'batches' || operation.startsWith('batches/')) {
      const [, id, action] = operation.split('/');
      if (!id && request.method === 'POST') {
        const input = typeof body.input_file_id === 'string' ? files.get(body.input_file_id) : undefined;
        if (!input) return fail(res, 400, `Invalid input_file_id: ${String(body.input_file_id)}`);
        if (input.purpose !== 'batch') return fail(res, 400, 'The input file must have purpose "batch".');
        if (typeof body.endpoint !== 'string' || body.completion_window !== '24h') return fail(res, 400, "Missing or invalid 'endpoint' or 'completion_window'.");
        const unknown = Object.keys(body).filter((field) => !['input_file_id', 'endpoint', 'completion_window', 'metadata', 'output_expires_after'].includes(field));
        if (unknown.length > 0) return fail(res, 400, `Unrecognized request argument supplied: ${unknown.join(', ')}`);
        const lines = input.data
          .toString('utf8')
          .split('\n')
          .filter((line) => line.trim() !== '').length;
        const batch: StoredBatch = {
          id: `batch_${randomUUID().slice(0, 12)}`,
          endpoint: body.endpoint,
          input_file_id: input.id,
          completion_window: '24h',
          status: 'validating',
          output_file_id: null,
          created_at: Math.floor(Date.now() / 1000),
          lines,
          retrieves: 0,
          metadata: body.metadata ?? null,
        };
        batches.set(batch.id, batch);
        sendJson(res, 200, describeBatch(batch));
        return true;
      }
      if (!id && request.method === 'GET') {
        const query = new URLSearchParams(request.path.split('?')[1] ?? '');
        const all = [...batches.values()].reverse();
        const after = query.get('after');
        const start = after ? all.findIndex((batch) => batch.id === after) + 1 : 0;
        const limit = Number(query.get('limit') ?? 20);
        const page = all.slice(start, start + limit);
        sendJson(res, 200, {
          object: 'list',
          data: page.map(describeBatch),
          first_id: page[0]?.id ?? null,
          last_id: page.at(-1)?.id ?? null,
          has_more: start + limit < all.length,
        });
        return true;
      }
      const batch = id ? batches.get(id) : undefined;
      if (!batch) return fail(res, 404, `No batch found with id '${id}'.`);
      if (action === 'cancel' && request.method === 'POST') {
        if (batch.status === 'completed') return fail(res, 400, 'Cannot cancel a batch with status completed.');
        batch.status = 'cancelling';
        sendJson(res, 200, describeBatch(batch));
        batch.status = 'cancelled';
        return true;
      }
      if (request.method !== 'GET' || action) return false;
      batch.retrieves += 1;
      if (batch.status === 'validating') batch.status = 'in_progress';
      else if (batch.status === 'in_progress') {
        const input = files.get(batch.input_file_id);
        const lines = (input?.data.toString('utf8') ?? '').split('\n').filter((line) => line.trim() !== '');
        const output = lines.map((line, i) => {
          const custom = (JSON.parse(line) as { custom_id?: string }).custom_id ?? `request-${i}`;
          const answer = {
            id: `chatcmpl-${i}`,
            object: 'chat.completion',
            model: 'gpt-4o-mini',
            choices: [{ index: 0, message: { role: 'assistant', content: `answer ${i}` }, finish_reason: 'stop' }],
            usage: BATCH_LINE_USAGE,
          };
          return JSON.stringify({ id: `batch_req_${i}`, custom_id: custom, response: { status_code: 200, request_id: `req_${i}`, body: answer }, error: null });
        });
        const data = Buffer.from(output.join('\n') + '\n');
        const stored: StoredFile = {
          id: `file-${randomUUID().slice(0, 12)}`,
          filename: `${batch.id}_output.jsonl`,
          purpose: 'batch_output',
          data,
          bytes: data.length,
          created_at: Math.floor(Date.now() / 1000),
        };
        files.set(stored.id, stored);
        batch.output_file_id = stored.id;
        batch.status = 'completed';
      }
      sendJson(res, 200, describeBatch(batch));
      return true;
    }
    if (operation.startsWith('files')) {
      const [, id, content] = operation.split('/');
      if (!id && request.method === 'POST') {
        const form = await formOf(request);
        const file = form?.get('file');
        if (!form || !(file instanceof Blob) || typeof form.get('purpose') !== 'string') return fail(res, 400, "Missing required parameter: 'file' or 'purpose'.");
        if (form.get('model') !== null) return fail(res, 400, "Unrecognized request argument supplied: 'model'.");
        const stored: StoredFile = {
          id: `file-${randomUUID().slice(0, 12)}`,
          filename: (file as File).name,
          purpose: String(form.get('purpose')),
          data: Buffer.from(await file.arrayBuffer()),
          bytes: file.size,
          created_at: Math.floor(Date.now() / 1000),
        };
        files.set(stored.id, stored);
        sendJson(res, 200, describe(stored));
        return true;
      }
      if (!id && request.method === 'GET') {
        sendJson(res, 200, { object: 'list', data: [...files.values()].map(describe), has_more: false });
        return true;
      }
      const stored = id ? files.get(id) : undefined;
      if (!stored) return fail(res, 404, `No such File object: ${id}`);
      if (request.method === 'DELETE') {
        files.delete(stored.id);
        sendJson(res, 200, { id: stored.id, object: 'file', deleted: true });
        return true;
      }
      if (content) {
        res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': String(stored.data.length) });
        res.end(stored.data);
        return true;
      }
      sendJson(res, 200, describe(stored));
      return true;
    }
    return false;
  };
}

function describeBatch(batch: StoredBatch): Record<string, unknown> {
  const done = batch.status === 'completed' ? batch.lines : 0;
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: null,
    input_file_id: batch.input_file_id,
    completion_window: batch.completion_window,
    status: batch.status,
    output_file_id: batch.output_file_id,
    error_file_id: null,
    created_at: batch.created_at,
    request_counts: { total: batch.lines, completed: done, failed: 0 },
    metadata: batch.metadata,
  };
}

function describe(file: StoredFile): Record<string, unknown> {
  return { id: file.id, object: 'file', bytes: file.bytes, created_at: file.created_at, filename: file.filename, purpose: file.purpose, status: 'processed' };
}

async function formOf(request: RecordedProviderRequest): Promise<FormData | undefined> {
  const contentType = request.headers['content-type'] ?? '';
  if (!contentType.startsWith('multipart/form-data')) return undefined;
  return new Response(request.raw, { headers: { 'content-type': contentType } }).formData();
}

function fail(res: ServerResponse, status: number, message: string): true {
  sendJson(res, status, { error: { message, type: 'invalid_request_error', param: null, code: null } });
  return true;
}
