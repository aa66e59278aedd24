import { FakeServer, sendJson } from '../fakes/fake-server';
import { verifySigV4, type AwsCredentials } from '../fakes/sigv4';

export const BEDROCK_GUARDRAIL_CREDENTIALS: AwsCredentials = { accessKeyId: 'AKIAGUARDRAILTEST001', secretAccessKey: 'guardrail/test+secret/key000000000000001' };
export const BEDROCK_GUARDRAIL_REGION = 'eu-central-1';
export const BEDROCK_GUARDRAIL_ID = 'gr7tollgate01';
export const BEDROCK_GUARDRAIL_VERSIONS = ['DRAFT', '1'];
/** What the guardrail answers instead of a blocked input or output (its "blocked messaging"). */
export const BEDROCK_BLOCKED_INPUT_MESSAGE = 'Sorry, this request is outside what the assistant may help with.';
export const BEDROCK_BLOCKED_OUTPUT_MESSAGE = 'Sorry, the answer was withheld by policy.';

const PATH = /^\/guardrail\/([^/]+)\/version\/([^/]+)\/apply$/;

type Action = 'BLOCKED' | 'ANONYMIZED' | 'NONE';

/**
 * The labelled policies of the fake guardrail: a denied topic, a content filter, a custom word, and sensitive
 * information (e-mail addresses and phone numbers are masked, social security numbers block).
 */
const TOPICS = [{ name: 'Investment advice', pattern: /\b(?:stock tips|investment advice)\b/i }];
const CONTENT_FILTERS = [{ type: 'VIOLENCE', pattern: /\b(?:kill|attack)\b/i }];
const CUSTOM_WORDS = ['project-falcon'];
const PII: readonly { type: string; pattern: RegExp; action: Action }[] = [
  { type: 'EMAIL', pattern: /(?<![\w.+-])[\w.+-]+@[\w-]+\.[a-z]{2,}/gi, action: 'ANONYMIZED' },
  { type: 'PHONE', pattern: /\b\d{3}[-. ]\d{3}[-. ]\d{4}\b/g, action: 'ANONYMIZED' },
  { type: 'US_SOCIAL_SECURITY_NUMBER', pattern: /\b\d{3}-\d{2}-\d{4}\b/g, action: 'BLOCKED' },
];

export interface BedrockGuardrailsBehaviour {
  delayMs: number;
  /** When set, every call answers this status (429 ThrottlingException, 500 InternalServerException, …). */
  failWith?: number;
}

export interface BedrockGuardrailsFake {
  readonly url: string;
  readonly requests: { path: string; body: { source?: string; content?: { text?: { text?: string } }[] } }[];
  readonly behaviour: BedrockGuardrailsBehaviour;
  readonly server: FakeServer;
  close(): Promise<void>;
}

const ERROR_TYPES: Record<number, string> = { 429: 'ThrottlingException', 500: 'InternalServerException', 503: 'ServiceUnavailableException' };

function fail(response: Parameters<typeof sendJson>[0], status: number, type: string, message: string): void {
  sendJson(response, status, { message }, { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazonaws.bedrock/`, 'x-amzn-requestid': 'req-fail' });
}

/** Assessment of one text: what each policy found, and the masked text. */
function assess(text: string): { topics: object[]; filters: object[]; words: object[]; pii: object[]; masked: string; blocked: boolean; anonymized: boolean } {
  const topics = TOPICS.filter((topic) => topic.pattern.test(text)).map((topic) => ({ name: topic.name, type: 'DENY', action: 'BLOCKED', detected: true }));
  const filters = CONTENT_FILTERS.filter((filter) => filter.pattern.test(text)).map((filter) => ({
    type: filter.type,
    confidence: 'HIGH',
    filterStrength: 'HIGH',
    action: 'BLOCKED',
    detected: true,
  }));
  const words = CUSTOM_WORDS.filter((word) => text.toLowerCase().includes(word)).map((word) => ({ match: word, action: 'BLOCKED', detected: true }));
  const pii: { match: string; type: string; action: Action; detected: boolean }[] = [];
  let masked = text;
  for (const entity of PII) {
    for (const match of text.matchAll(entity.pattern)) pii.push({ match: match[0], type: entity.type, action: entity.action, detected: true });
    if (entity.action === 'ANONYMIZED') masked = masked.replace(entity.pattern, `{${entity.type}}`);
  }
  const blocked = topics.length + filters.length + words.length > 0 || pii.some((item) => item.action === 'BLOCKED');
  return { topics, filters, words, pii, masked, blocked, anonymized: pii.some((item) => item.action === 'ANONYMIZED') };
}

/**
 * Amazon Bedrock's `ApplyGuardrail` (`POST /guardrail/{id}/version/{version}/apply` on bedrock-runtime). Every
 * request's SigV4 signature is verified as AWS does (key id, region and service scope, time skew, signature over
 * the canonical request), the guardrail id and version must exist, and the body must be `{source, content:
 * [{text: {text}}]}`; errors come as AWS sends them (`x-amzn-errortype`, `{message}`). Answers from the labelled
 * policies above: `GUARDRAIL_INTERVENED` with blocked messaging, or with one masked output per content item.
 */
export async function startBedrockGuardrailsFake(): Promise<BedrockGuardrailsFake> {
  const requests: BedrockGuardrailsFake['requests'] = [];
  const behaviour: BedrockGuardrailsBehaviour = { delayMs: 0 };
  const server = new FakeServer(async (request, raw, response) => {
    const match = PATH.exec(request.url ?? '');
    if (request.method !== 'POST' || !match) return fail(response, 404, 'UnknownOperationException', 'Unknown operation');
    const problem = verifySigV4(request, raw, { credentials: BEDROCK_GUARDRAIL_CREDENTIALS, region: BEDROCK_GUARDRAIL_REGION, service: 'bedrock' });
    if (problem) return fail(response, 403, problem.type, problem.message);
    const [, id, version] = match.map(decodeURIComponent);
    if (id !== BEDROCK_GUARDRAIL_ID || !BEDROCK_GUARDRAIL_VERSIONS.includes(version))
      return fail(response, 404, 'ResourceNotFoundException', 'The specified guardrail or version was not found.');
    let body: BedrockGuardrailsFake['requests'][number]['body'];
    try {
      body = JSON.parse(raw.toString('utf8')) as typeof body;
    } catch {
      return fail(response, 400, 'ValidationException', 'Malformed request body.');
    }
    requests.push({ path: request.url ?? '', body });
    if (behaviour.delayMs) await new Promise((resolve) => setTimeout(resolve, behaviour.delayMs));
    if (behaviour.failWith) return fail(response, behaviour.failWith, ERROR_TYPES[behaviour.failWith] ?? 'InternalServerException', 'The service is not available.');
    if (body.source !== 'INPUT' && body.source !== 'OUTPUT')
      return fail(
        response,
        400,
        'ValidationException',
        "1 validation error detected: Value at 'source' failed to satisfy constraint: Member must satisfy enum value set: [INPUT, OUTPUT]",
      );
    if (!Array.isArray(body.content) || body.content.length === 0)
      return fail(
        response,
        400,
        'ValidationException',
        "1 validation error detected: Value at 'content' failed to satisfy constraint: Member must have length greater than or equal to 1",
      );
    const texts: string[] = [];
    for (const block of body.content) {
      if (typeof block?.text?.text !== 'string') return fail(response, 400, 'ValidationException', 'Each content block must hold text.text.');
      texts.push(block.text.text);
    }
    const assessments = texts.map(assess);
    const blocked = assessments.some((item) => item.blocked);
    const anonymized = assessments.some((item) => item.anonymized);
    const action = blocked || anonymized ? 'GUARDRAIL_INTERVENED' : 'NONE';
    const outputs = blocked
      ? [{ text: body.source === 'INPUT' ? BEDROCK_BLOCKED_INPUT_MESSAGE : BEDROCK_BLOCKED_OUTPUT_MESSAGE }]
      : anonymized
        ? assessments.map((item) => ({ text: item.masked }))
        : [];
    const merged = {
      ...(assessments.some((item) => item.topics.length) ? { topicPolicy: { topics: assessments.flatMap((item) => item.topics) } } : {}),
      ...(assessments.some((item) => item.filters.length) ? { contentPolicy: { filters: assessments.flatMap((item) => item.filters) } } : {}),
      ...(assessments.some((item) => item.words.length) ? { wordPolicy: { customWords: assessments.flatMap((item) => item.words), managedWordLists: [] } } : {}),
      ...(assessments.some((item) => item.pii.length) ? { sensitiveInformationPolicy: { piiEntities: assessments.flatMap((item) => item.pii), regexes: [] } } : {}),
    };
    const units = Math.ceil(texts.join('').length / 1000) || 1;
    sendJson(
      response,
      200,
      {
        usage: {
          topicPolicyUnits: units,
          contentPolicyUnits: units,
          wordPolicyUnits: units,
          sensitiveInformationPolicyUnits: units,
          sensitiveInformationPolicyFreeUnits: 0,
          contextualGroundingPolicyUnits: 0,
        },
        action,
        ...(action === 'GUARDRAIL_INTERVENED' ? { actionReason: blocked ? 'Guardrail blocked.' : 'Guardrail masked.' } : {}),
        outputs,
        assessments: Object.keys(merged).length ? [merged] : [],
        guardrailCoverage: { textCharacters: { guarded: texts.join('').length, total: texts.join('').length } },
      },
      { 'x-amzn-requestid': `req-${requests.length}` },
    );
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
