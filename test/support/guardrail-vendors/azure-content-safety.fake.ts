import { FakeServer, sendJson } from '../fakes/fake-server';

export const AZURE_CONTENT_SAFETY_KEY = 'azure-content-safety-test-key-0001';
export const AZURE_CONTENT_SAFETY_API_VERSION = '2024-09-01';

const CATEGORIES = ['Hate', 'SelfHarm', 'Sexual', 'Violence'] as const;
type Category = (typeof CATEGORIES)[number];

/** The labelled set: the severity (0–7, as EightSeverityLevels reports it) each phrase carries in its category. */
const SEVERITIES: readonly { category: Category; pattern: RegExp; severity: number }[] = [
  { category: 'Violence', pattern: /\b(?:kill|attack)\b/i, severity: 5 },
  { category: 'Violence', pattern: /\bfight\b/i, severity: 2 },
  { category: 'Hate', pattern: /\bvermin\b/i, severity: 6 },
  { category: 'SelfHarm', pattern: /\bhurt myself\b/i, severity: 4 },
  { category: 'Sexual', pattern: /\bexplicit\b/i, severity: 3 },
];
const BLOCKLISTS: Record<string, readonly string[]> = { competitors: ['contoso', 'fabrikam'] };
const JAILBREAK = /\bignore (?:all )?(?:previous|prior) instructions\b|\byou are DAN\b/i;
const INDIRECT_ATTACK = /\b(?:forward|send) (?:all|every|the) [\w ]+ to [\w.+-]+@[\w.-]+/i;
const MAX_TEXT = 10_000;

export interface AzureContentSafetyBehaviour {
  delayMs: number;
  failWith?: number;
}

export interface AzureContentSafetyFake {
  /** The resource endpoint (`https://<resource>.cognitiveservices.azure.com` in production). */
  readonly url: string;
  readonly requests: { path: string; body: Record<string, unknown> }[];
  readonly behaviour: AzureContentSafetyBehaviour;
  readonly server: FakeServer;
  close(): Promise<void>;
}

function error(response: Parameters<typeof sendJson>[0], status: number, code: string, message: string): void {
  sendJson(response, status, { error: { code, message, innererror: null } });
}

/** FourSeverityLevels reports 0, 2, 4 or 6: the level rounded down to an even number. */
function reported(severity: number, outputType: string): number {
  return outputType === 'EightSeverityLevels' ? severity : severity - (severity % 2);
}

/**
 * Azure AI Content Safety: `POST /contentsafety/text:analyze` and `/contentsafety/text:shieldPrompt`, each with
 * `?api-version=2024-09-01`. Checks the `Ocp-Apim-Subscription-Key` header (401 as Azure words it), the API version
 * (404), the body (400 `InvalidRequestBody` for a missing or over-long text, an unknown category or output type, an
 * unknown blocklist), and answers from the labelled severities, blocklist and attack patterns above.
 */
export async function startAzureContentSafetyFake(): Promise<AzureContentSafetyFake> {
  const requests: AzureContentSafetyFake['requests'] = [];
  const behaviour: AzureContentSafetyBehaviour = { delayMs: 0 };
  const server = new FakeServer(async (request, raw, response) => {
    const url = new URL(request.url ?? '/', 'http://fake');
    const operation = /^\/contentsafety\/text:(analyze|shieldPrompt)$/.exec(url.pathname)?.[1];
    if (request.method !== 'POST' || !operation) return error(response, 404, '404', 'Resource not found');
    if (request.headers['ocp-apim-subscription-key'] !== AZURE_CONTENT_SAFETY_KEY) {
      return error(
        response,
        401,
        '401',
        'Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.',
      );
    }
    if (url.searchParams.get('api-version') !== AZURE_CONTENT_SAFETY_API_VERSION) return error(response, 404, '404', 'Resource not found');
    if (!(request.headers['content-type'] ?? '').startsWith('application/json')) return error(response, 415, 'UnsupportedMediaType', 'Content-Type must be application/json.');
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>;
    } catch {
      return error(response, 400, 'InvalidRequestBody', 'The request body is not valid JSON.');
    }
    requests.push({ path: `${url.pathname}${url.search}`, body });
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.failWith) return error(response, behaviour.failWith, behaviour.failWith === 429 ? 'TooManyRequests' : 'InternalServerError', 'The service is not available.');

    if (operation === 'analyze') {
      const text = body.text;
      if (typeof text !== 'string' || text.length === 0 || text.length > MAX_TEXT)
        return error(response, 400, 'InvalidRequestBody', `The text must be between 1 and ${MAX_TEXT} characters.`);
      const categories = (body.categories ?? CATEGORIES) as unknown[];
      if (!Array.isArray(categories) || categories.some((category) => !CATEGORIES.includes(category as Category)))
        return error(response, 400, 'InvalidRequestBody', 'Unknown category.');
      const outputType = (body.outputType ?? 'FourSeverityLevels') as string;
      if (outputType !== 'FourSeverityLevels' && outputType !== 'EightSeverityLevels') return error(response, 400, 'InvalidRequestBody', 'Unknown outputType.');
      const blocklistNames = (body.blocklistNames ?? []) as string[];
      const unknown = blocklistNames.find((name) => !BLOCKLISTS[name]);
      if (unknown) return error(response, 404, 'NotFound', `The blocklist ${unknown} was not found.`);
      const blocklistsMatch = blocklistNames.flatMap((name) =>
        BLOCKLISTS[name]
          .filter((item) => text.toLowerCase().includes(item))
          .map((item, index) => ({ blocklistName: name, blocklistItemId: `${name}-${index}`, blocklistItemText: item })),
      );
      const categoriesAnalysis = (categories as Category[]).map((category) => ({
        category,
        severity: reported(Math.max(0, ...SEVERITIES.filter((item) => item.category === category && item.pattern.test(text)).map((item) => item.severity)), outputType),
      }));
      return sendJson(response, 200, { blocklistsMatch, categoriesAnalysis });
    }

    const userPrompt = body.userPrompt ?? '';
    const documents = body.documents ?? [];
    if (typeof userPrompt !== 'string' || !Array.isArray(documents) || documents.some((document) => typeof document !== 'string')) {
      return error(response, 400, 'InvalidRequestBody', 'userPrompt must be a string and documents a list of strings.');
    }
    if (userPrompt.length > MAX_TEXT || (documents as string[]).join('').length > MAX_TEXT)
      return error(response, 400, 'InvalidRequestBody', `The user prompt and the documents are limited to ${MAX_TEXT} characters each.`);
    if (userPrompt === '' && documents.length === 0) return error(response, 400, 'InvalidRequestBody', 'Either userPrompt or documents is required.');
    sendJson(response, 200, {
      userPromptAnalysis: { attackDetected: JAILBREAK.test(userPrompt) },
      documentsAnalysis: (documents as string[]).map((document) => ({ attackDetected: INDIRECT_ATTACK.test(document) || JAILBREAK.test(document) })),
    });
  });
  await server.start();
  return {
    get url() {
      return server.url;
    },
    requests,
    behaviour,
    server,
    close: () => server.stop(),
  };
}
