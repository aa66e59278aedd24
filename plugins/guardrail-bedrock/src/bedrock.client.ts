import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { GuardrailContext } from '@tollgate/guardrail-sdk';

/** Where the text to assess comes from, in ApplyGuardrail's terms. */
export type GuardrailSource = 'INPUT' | 'OUTPUT';

/** One finding of an assessment (a topic, a filter, a word, an entity, a regex), as far as the verdict needs it. */
interface Finding {
  readonly action?: string;
  readonly name?: string;
  readonly type?: string;
}

/** The part of ApplyGuardrail's answer the verdict is made from. */
export interface ApplyGuardrailResponse {
  readonly action: 'NONE' | 'GUARDRAIL_INTERVENED';
  readonly outputs: readonly { readonly text?: string }[];
  readonly assessments: readonly Record<string, unknown>[];
}

/** Where each assessment lists its findings. */
const POLICIES: readonly { readonly policy: string; readonly lists: readonly string[]; readonly label: (finding: Finding) => string }[] = [
  { policy: 'topicPolicy', lists: ['topics'], label: (finding) => `topic ${finding.name ?? '?'}` },
  { policy: 'contentPolicy', lists: ['filters'], label: (finding) => `content filter ${finding.type ?? '?'}` },
  { policy: 'wordPolicy', lists: ['customWords', 'managedWordLists'], label: (finding) => (finding.type ? `word list ${finding.type}` : 'custom word') },
  { policy: 'sensitiveInformationPolicy', lists: ['piiEntities', 'regexes'], label: (finding) => `sensitive information ${finding.type ?? finding.name ?? '?'}` },
  { policy: 'contextualGroundingPolicy', lists: ['filters'], label: (finding) => `contextual grounding ${finding.type ?? '?'}` },
];

/**
 * The policies that BLOCKED, by name or type only: a finding's `match` (the offending text) is never read. An
 * intervention whose findings were all ANONYMIZED blocks nothing (its outputs hold the masked text).
 */
export function blockedPolicies(response: ApplyGuardrailResponse): string[] {
  const blocked: string[] = [];
  for (const assessment of response.assessments) {
    for (const { policy, lists, label } of POLICIES) {
      const section = assessment[policy] as Record<string, unknown> | null | undefined;
      for (const list of lists) {
        // Bedrock may send an explicit null for an empty list.
        const findings = (section?.[list] ?? []) as Finding[];
        for (const finding of findings) if (finding?.action === 'BLOCKED') blocked.push(label(finding));
      }
    }
  }
  return [...new Set(blocked)];
}

/** Bedrock answered something other than a 200 with ApplyGuardrail's body. Never carries the assessed text. */
export class BedrockGuardrailError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BedrockGuardrailError';
  }
}

/** What the client needs: the guardrail, the region, credentials, and optionally another endpoint. */
export interface BedrockGuardrailTarget {
  readonly guardrailIdentifier: string;
  readonly guardrailVersion: string;
  readonly region: string;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string };
  /** Default `https://bedrock-runtime.<region>.amazonaws.com`. */
  readonly endpoint?: string;
}

/**
 * Amazon Bedrock's `ApplyGuardrail` (`POST /guardrail/{id}/version/{version}/apply` on bedrock-runtime), signed with
 * SigV4 for the `bedrock` service, sent through `ctx.fetch`.
 * @see https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ApplyGuardrail.html
 */
export class BedrockGuardrailClient {
  private readonly signer: SignatureV4;
  private readonly base: URL;
  private readonly path: string;

  constructor(target: BedrockGuardrailTarget) {
    this.signer = new SignatureV4({ credentials: target.credentials, region: target.region, service: 'bedrock', sha256: Sha256 });
    this.base = new URL(target.endpoint ?? `https://bedrock-runtime.${target.region}.amazonaws.com`);
    // An identifier may be an ARN (':' and '/'): each is one path segment, so it is percent-encoded.
    this.path = `${this.base.pathname.replace(/\/+$/, '')}/guardrail/${encodeURIComponent(target.guardrailIdentifier)}/version/${encodeURIComponent(target.guardrailVersion)}/apply`;
  }

  /** @throws BedrockGuardrailError on a non-200 answer (with AWS's error type) or an answer without an action. */
  async apply(ctx: GuardrailContext, source: GuardrailSource, texts: readonly string[]): Promise<ApplyGuardrailResponse> {
    const body = JSON.stringify({ source, content: texts.map((text) => ({ text: { text } })) });
    const signed = await this.signer.sign({
      method: 'POST',
      protocol: this.base.protocol,
      hostname: this.base.hostname,
      port: this.base.port ? Number(this.base.port) : undefined,
      path: this.path,
      query: {},
      headers: { 'content-type': 'application/json', accept: 'application/json', host: this.base.host },
      body,
    });
    const headers: Record<string, string> = { ...signed.headers };
    // fetch sets Host from the URL, to the value that was signed.
    delete headers.host;
    const response = await ctx.fetch(`${this.base.origin}${this.path}`, { method: 'POST', headers, body });
    if (response.status !== 200) {
      await response.body?.cancel();
      const type = (response.headers.get('x-amzn-errortype') ?? '').split(':')[0];
      throw new BedrockGuardrailError(`Bedrock ApplyGuardrail answered HTTP ${response.status}${type ? ` (${type})` : ''}`);
    }
    const answer = (await response.json().catch(() => undefined)) as Partial<ApplyGuardrailResponse> | undefined;
    if (answer?.action !== 'NONE' && answer?.action !== 'GUARDRAIL_INTERVENED') throw new BedrockGuardrailError('Bedrock ApplyGuardrail answered without an action');
    return { action: answer.action, outputs: Array.isArray(answer.outputs) ? answer.outputs : [], assessments: Array.isArray(answer.assessments) ? answer.assessments : [] };
  }
}
