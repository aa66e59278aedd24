import { createHash } from 'node:crypto';
import { type ProviderHandler, sendJson, tokensOf, words, writeSlowly } from './mock-provider-server';

export const GEMINI_TEST_KEY = 'AIza-gemini-test-key-0001';

interface Part {
  text?: string;
  inlineData?: { mimeType: string; data: string };
  fileData?: { mimeType: string; fileUri: string };
  functionCall?: { name: string; args: Record<string, unknown> };
  functionResponse?: { name: string; response: Record<string, unknown> };
}

interface Content {
  role: string;
  parts: Part[];
}

const PATH = /^\/v1beta\/models\/([^/:]+):(generateContent|streamGenerateContent|batchEmbedContents)(\?alt=sse)?$/;

/**
 * Speaks the Gemini API (`generativelanguage.googleapis.com/v1beta`) for the cases tests need, refusing what
 * Gemini refuses: a wrong key (400 "API key not valid"), roles other than user/model, schema keywords it does not
 * know (`additionalProperties`), function responses that answer no function call. It echoes the last user text; with
 * tools it calls the first function with `{"input": <text>}`; after a function response it reports it back.
 * `gemini-too-long` fails on token count, `gemini-blocked` is blocked by safety filters.
 */
export const geminiMock: ProviderHandler = async ({ request, res }) => {
  const match = PATH.exec(request.path);
  if (request.method !== 'POST' || !match) return false;
  const [, model, method, sse] = match;
  if (request.headers['x-goog-api-key'] !== GEMINI_TEST_KEY) return fail(res, 400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.');
  const body = request.body ?? {};
  if (method === 'batchEmbedContents') {
    const requests = (body.requests ?? []) as { model: string; content: Content; outputDimensionality?: number }[];
    if (requests.some((item) => item.model !== `models/${model}`)) return fail(res, 400, 'INVALID_ARGUMENT', 'model of every request must match the URL');
    sendJson(res, 200, { embeddings: requests.map((item) => ({ values: vector(item.content.parts.map((part) => part.text).join(''), item.outputDimensionality ?? 6) })) });
    return true;
  }
  const problem = validate(body);
  if (problem) return fail(res, 400, 'INVALID_ARGUMENT', problem);
  if (model === 'gemini-too-long') return fail(res, 400, 'INVALID_ARGUMENT', 'The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).');
  const contents = body.contents as Content[];
  const promptTokens = tokensOf(JSON.stringify(contents));
  if (model === 'gemini-blocked') {
    sendJson(res, 200, { promptFeedback: { blockReason: 'SAFETY' }, usageMetadata: { promptTokenCount: promptTokens, totalTokenCount: promptTokens }, modelVersion: model });
    return true;
  }
  const last = contents[contents.length - 1];
  const functionResponse = last.parts.find((part) => part.functionResponse)?.functionResponse;
  const userText = last.parts.map((part) => part.text ?? '').join('');
  const media = last.parts.filter((part) => part.inlineData || part.fileData).length;
  const tools = (body.tools as { functionDeclarations: { name: string }[] }[] | undefined)?.[0]?.functionDeclarations ?? [];
  const mode = (body.toolConfig as { functionCallingConfig?: { mode?: string } } | undefined)?.functionCallingConfig?.mode;
  let parts: Part[];
  if (functionResponse) parts = [{ text: `The function ${functionResponse.name} returned: ${JSON.stringify(functionResponse.response)}` }];
  else if (tools.length && mode !== 'NONE') parts = [{ functionCall: { name: tools[0].name, args: { input: userText } } }];
  else {
    const system = (body.systemInstruction as { parts: Part[] } | undefined)?.parts.map((part) => part.text).join(' ');
    parts = [{ text: `Gemini echo: ${userText}${media ? ` [${media} media part(s)]` : ''}${system ? ` (system: ${system})` : ''}` }];
  }
  const config = (body.generationConfig ?? {}) as { maxOutputTokens?: number; candidateCount?: number };
  let finishReason = 'STOP';
  if (parts[0].text && config.maxOutputTokens !== undefined && words(parts[0].text).length > config.maxOutputTokens) {
    parts = [{ text: words(parts[0].text).slice(0, config.maxOutputTokens).join('') }];
    finishReason = 'MAX_TOKENS';
  }
  const outputTokens = tokensOf(JSON.stringify(parts));
  const usageMetadata = { promptTokenCount: promptTokens, candidatesTokenCount: outputTokens, totalTokenCount: promptTokens + outputTokens };
  const responseId = `gemini-${Date.now()}`;
  if (method === 'generateContent') {
    const candidates = Array.from({ length: config.candidateCount ?? 1 }, (_, index) => ({ content: { role: 'model', parts }, finishReason, index }));
    sendJson(res, 200, { candidates, usageMetadata, modelVersion: model, responseId });
    return true;
  }
  if (!sse) return fail(res, 400, 'INVALID_ARGUMENT', 'this mock streams only with alt=sse');
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  const events: string[] = [];
  const pieces: Part[][] = parts[0].text ? words(parts[0].text).map((text) => [{ text }]) : [parts];
  pieces.forEach((piece, at) => {
    const lastPiece = at === pieces.length - 1;
    const candidate: Record<string, unknown> = { content: { role: 'model', parts: piece }, index: 0 };
    if (lastPiece) candidate.finishReason = finishReason;
    const partialUsage = lastPiece ? usageMetadata : { promptTokenCount: promptTokens, totalTokenCount: promptTokens };
    events.push(`data: ${JSON.stringify({ candidates: [candidate], usageMetadata: partialUsage, modelVersion: model, responseId })}\r\n\r\n`);
  });
  await writeSlowly(res, events);
  return true;
};

function validate(body: Record<string, unknown>): string | undefined {
  if (!Array.isArray(body.contents) || body.contents.length === 0) return '* GenerateContentRequest.contents: contents is not specified';
  const contents = body.contents as Content[];
  for (let i = 0; i < contents.length; i++) {
    const content = contents[i];
    if (content.role !== 'user' && content.role !== 'model') return `Please use a valid role: user, model. (contents[${i}])`;
    const responses = content.parts.filter((part) => part.functionResponse);
    if (responses.length) {
      const calls = (contents[i - 1]?.parts ?? []).filter((part) => part.functionCall);
      if (calls.length !== responses.length)
        return 'Please ensure that the number of function response parts is equal to the number of function call parts of the function call turn.';
      if (responses.some((part, at) => part.functionResponse?.name !== calls[at].functionCall?.name)) return 'function response name does not match the function call';
    }
  }
  if (JSON.stringify(body.tools ?? []).includes('"additionalProperties"'))
    return 'Invalid JSON payload received. Unknown name "additionalProperties" at \'tools[0].function_declarations[0].parameters\': Cannot find field.';
  return undefined;
}

function fail(res: Parameters<typeof sendJson>[0], status: number, code: string, message: string): true {
  sendJson(res, status, { error: { code: status, message, status: code } });
  return true;
}

function vector(text: string, dimensions: number): number[] {
  const digest = createHash('sha256').update(text).digest();
  return Array.from({ length: dimensions }, (_, i) => digest[i % digest.length] / 255);
}
