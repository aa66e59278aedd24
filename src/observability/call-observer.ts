import type { Deployment } from '../routing/deployment';
import type { Usage } from '../routing/openai.types';
import type { FallbackTry, UpstreamAttempt } from '../routing/router.service';

/**
 * What the call pipeline tells observers once a call has settled (its reservation settled and its spend row
 * recorded), failed or not. The pipeline depends on this contract, the metrics module implements it, so the
 * pipeline knows nothing of Prometheus and observability never imports the pipeline.
 */
export interface CallObserver {
  /** False when nothing listens (no `prometheus` callback): the pipeline then builds no SettledCall at all. */
  readonly active: boolean;
  /**
   * A request/response call started (the pipeline's `run()`, before admission and routing; realtime sessions are not
   * told). Runs on the request path: O(1) in-memory work only, no await, never throws. Optional: only observers that
   * watch calls in flight (alerting's `llm_requests_hanging`) implement it; `settled` with the same `callId` ends it.
   */
  started?(callId: string, requestedModel: string): void;
  /** Runs on the request path's tail: O(1) in-memory work only, no await, never throws. */
  settled(call: SettledCall): void;
}

export const CALL_OBSERVER = Symbol('CALL_OBSERVER');

/** Who a call was made by and charged to, as labels know them. */
export interface SettledCallParties {
  /** sha256 of the presented key. */
  readonly apiKeyHash: string | null;
  readonly keyAlias: string | null;
  /** The internal user (`default_user_id` for the master key). */
  readonly userId: string | null;
  readonly userEmail: string | null;
  readonly teamId: string | null;
  readonly teamAlias: string | null;
  /** The end user the call was for (tracked ones only). */
  readonly endUserId: string | null;
}

/** A budget the call was charged against, so its remaining amount can be read at scrape time. */
export interface SettledCallBudget {
  readonly kind: 'key' | 'team' | 'user';
  /** The spend account (src/spend's SpendSubject). */
  readonly account: string;
  readonly max: number | null;
  /** A key's `soft_budget` (alerts only, never refuses); null for teams and users. */
  readonly soft?: number | null;
  readonly windowMs: number | null;
  /** The budget's committed spend right after this call's charge (the store's atomic answer); null when unknown. */
  readonly spendAfter?: number | null;
}

export interface SettledCall {
  /** The call's id (`x-litellm-call-id`), as `started` was told it. */
  readonly callId: string;
  /** The route template that served it (`/v1/chat/completions`), when an HTTP edge did. */
  readonly route: string | null;
  /** The model the client asked for. */
  readonly requestedModel: string;
  /** The deployment that answered, else the last one tried or the one the call was priced on. */
  readonly deployment: Deployment | null;
  readonly parties: SettledCallParties;
  /** HTTP status of the answer: 200, or the failure's. */
  readonly status: number;
  /** Why the call failed; null when it succeeded. */
  readonly failure: unknown;
  readonly usage: Usage | null;
  /** What the spend row charges. */
  readonly cost: number;
  readonly streaming: boolean;
  /** From the edge receiving the request to the call settling. */
  readonly totalMs: number;
  /** Spent waiting on the provider (every attempt); null when no provider was called. */
  readonly upstreamMs: number | null;
  /** A stream's first events after the upstream call started. */
  readonly timeToFirstTokenMs: number | null;
  readonly attempts: readonly UpstreamAttempt[];
  readonly fallbacks: readonly FallbackTry[];
  /** The headers the call answered with (upstream `llm_provider-x-ratelimit-*`, the key's `x-litellm-key-remaining-*`). */
  readonly responseHeaders: Readonly<Record<string, string>>;
  /** The spend row's `request_tags` (request, header, key and team tags). */
  readonly tags: readonly string[];
  readonly budgets: readonly SettledCallBudget[];
}
