import { type SpendLogRow, storedSpendLogMetadata } from './spend-log-row';

/** Most tags one row keeps; more are refused at the edge (request-validation) so nothing is silently dropped. */
export const MAX_TAGS_PER_ROW = 64;

/** What the gateway knows about a finished (or failed) call; everything the row is built from. */
export interface SpendCallFacts {
  requestId: string;
  /** LiteLLM's `call_type` (`acompletion`, `aembedding`, `pass_through_endpoint` …), which reports and dashboards filter on. */
  callType: string;
  stream: boolean;
  /** sha256 of the key presented (virtual or master), null on an open proxy. */
  apiKeyHash: string | null;
  key: {
    id: string;
    keyAlias: string | null;
    userId: string | null;
    teamId: string | null;
    metadata: Readonly<Record<string, unknown>>;
  } | null;
  /** The caller's user id when no virtual key carries one (the master key's `default_user_id`). */
  callerUserId: string | null;
  team: { teamId: string; teamAlias: string | null; organizationId: string | null; metadata: Readonly<Record<string, unknown>> } | null;
  /** The model the client asked for, and the deployment that served it (null when the call failed before routing). */
  requestedModel: string;
  deployment: { id: string; modelName: string; provider: string; customLlmProvider?: string; upstreamModel: string; apiBase?: string } | null;
  /** The request's `metadata` (tags, spend_logs_metadata), already validated. */
  requestMetadata: Readonly<Record<string, unknown>> | null;
  /** `x-litellm-tags` header tags. */
  headerTags: readonly string[];
  /** The request's top-level `tags` (LiteLLM's later form of `metadata.tags`), already validated. */
  bodyTags?: readonly string[];
  /** The request's `user`, unless end-user tracking is disabled. */
  endUserId: string | null;
  usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | null;
  cost: number;
  startTime: Date;
  endTime: Date;
  completionStartTime: Date | null;
  clientIp: string | null;
  providerResponseId: string | null;
  failure: { errorClass: string; errorCode: string; message: string } | null;
  appliedGuardrails: readonly string[];
  /** Served from the response cache (cost 0). */
  cacheHit?: boolean;
}

/** Builds the ledger row of a call, with LiteLLM's names and its rules for merging tags and metadata. */
export function buildSpendRow(facts: SpendCallFacts): SpendLogRow {
  const { key, team, deployment, usage } = facts;
  const prompt = nonNegativeInteger(usage?.prompt_tokens);
  const completion = nonNegativeInteger(usage?.completion_tokens);
  const total = Math.max(nonNegativeInteger(usage?.total_tokens), prompt + completion);
  const userId = key?.userId ?? facts.callerUserId;
  const teamId = team?.teamId ?? key?.teamId ?? null;
  const status = facts.failure ? 'failure' : 'success';
  const metadata = storedSpendLogMetadata({
    user_api_key_alias: key?.keyAlias ?? null,
    user_api_key_team_alias: team?.teamAlias ?? null,
    spend_logs_metadata: mergeSpendLogsMetadata(key?.metadata, team?.metadata, facts.requestMetadata),
    applied_guardrails: [...facts.appliedGuardrails],
    error_information: facts.failure ? { error_class: facts.failure.errorClass, error_code: facts.failure.errorCode, error_message: facts.failure.message } : null,
    stream: facts.stream,
  });
  return {
    request_id: facts.requestId,
    call_type: facts.callType,
    api_key: facts.apiKeyHash ?? '',
    key_id: key?.id ?? null,
    spend: Number.isFinite(facts.cost) && facts.cost > 0 ? facts.cost : 0,
    total_tokens: total,
    prompt_tokens: prompt,
    completion_tokens: completion,
    start_time: facts.startTime.toISOString(),
    end_time: facts.endTime.toISOString(),
    completion_start_time: facts.completionStartTime?.toISOString() ?? null,
    model: deployment?.upstreamModel ?? facts.requestedModel,
    model_id: deployment?.id ?? null,
    model_group: deployment?.modelName ?? facts.requestedModel,
    custom_llm_provider: deployment ? (deployment.customLlmProvider ?? deployment.provider) : null,
    api_base: deployment?.apiBase ?? null,
    user: userId,
    end_user: facts.endUserId,
    team_id: teamId,
    organization_id: team?.organizationId ?? null,
    request_tags: mergeTags(facts.requestMetadata, key?.metadata, team?.metadata, facts.headerTags, facts.bodyTags),
    requester_ip_address: facts.clientIp,
    cache_hit: facts.cacheHit === true,
    status,
    provider_response_id: facts.providerResponseId,
    metadata,
  };
}

/** Request tags first (the caller's own: `metadata.tags`, then top-level `tags`), then the header's, the key's and the team's; each once. */
export function mergeTags(
  request: Readonly<Record<string, unknown>> | null | undefined,
  key: Readonly<Record<string, unknown>> | null | undefined,
  team: Readonly<Record<string, unknown>> | null | undefined,
  header: readonly string[] = [],
  body: readonly string[] = [],
): string[] {
  const tags = new Set<string>();
  for (const source of [tagsOf(request), body, header, tagsOf(key), tagsOf(team)]) {
    for (const tag of source) if (tags.size < MAX_TAGS_PER_ROW) tags.add(tag);
  }
  return [...tags];
}

/** Team, then key, then request `spend_logs_metadata`: the most specific wins on a conflicting field. */
export function mergeSpendLogsMetadata(
  key: Readonly<Record<string, unknown>> | null | undefined,
  team: Readonly<Record<string, unknown>> | null | undefined,
  request: Readonly<Record<string, unknown>> | null | undefined,
): Record<string, unknown> | null {
  const parts = [team, key, request].map((source) => source?.spend_logs_metadata).filter(isPlainObject);
  return parts.length === 0 ? null : Object.assign({}, ...parts);
}

function tagsOf(metadata: Readonly<Record<string, unknown>> | null | undefined): string[] {
  const tags = metadata?.tags;
  return Array.isArray(tags) ? tags.filter((tag): tag is string => typeof tag === 'string' && tag !== '') : [];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonNegativeInteger(value: number | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.round(value) : 0;
}
