import type { Readable } from 'node:stream';
import type { AuthContext } from '../common/access/caller';
import type { Usage } from '../routing/openai.types';
import type { JsonObject } from '../routing/providers/media.types';
import type { RealtimeConnection } from '../routing/providers/realtime';
import type { CallInput, ProviderAnswer } from './operations';

/** One governed call as an edge hands it to the pipeline, already translated from its wire format. */
export interface CallRequest {
  /** Tollgate's call id: the response id, `x-litellm-call-id` and the spend row's `request_id`. */
  readonly requestId: string;
  readonly caller: AuthContext | null;
  readonly input: CallInput;
  /** The model asked for (before key and team aliases); undefined for a pass-through. */
  readonly model: string | undefined;
  readonly streaming: boolean;
  /** `stream_options.include_usage`: the usage chunk is relayed only when the client asked for it. */
  readonly includeUsage: boolean;
  readonly clientIp: string | null;
  /** `x-litellm-tags`. */
  readonly headerTags: readonly string[];
  /** `x-litellm-timeout` (seconds). */
  readonly timeoutHeader?: string | string[];
  /** Aborted when the client goes away: the upstream call is cancelled and nothing more is tried. */
  readonly signal: AbortSignal;
  /** Response headers, filled as the call goes (also when it fails), for the edge to send. */
  readonly headers: Record<string, string>;
  /** The route template that received it (`/v1/chat/completions`), for metrics; absent for internal calls. */
  readonly route?: string;
  /** `performance.now()` when the edge received the request. */
  readonly receivedAt: number;
  /** A pass-through's fixed target; routed operations have none. */
  readonly target?: FixedTarget;
  /** A call the gateway makes itself (a guardrail's judge model): no guardrails run on it. */
  readonly internal?: boolean;
  /** The client's W3C trace context (`traceparent`, `tracestate` headers), for the call's trace. */
  readonly traceParent?: string;
  readonly traceState?: string;
}

/** A configured upstream outside the router (a pass-through endpoint): called as it is, once. */
export interface FixedTarget {
  /** Stands for the deployment on the spend row. */
  readonly id: string;
  readonly apiBase: string;
  /** The spend row's `custom_llm_provider`; `pass_through` when absent. */
  readonly provider?: string;
  invoke(signal: AbortSignal): Promise<ProviderAnswer>;
}

/** What the edge renders. */
export type CallOutcome =
  | { readonly kind: 'json'; readonly status: number; readonly body: JsonObject }
  | { readonly kind: 'raw'; readonly status: number; readonly contentType: string; readonly payload: string | Buffer | Readable }
  | { readonly kind: 'stream'; readonly stream: CallStream };

/**
 * A streamed reply as OpenAI chunk texts (id rewritten, usage chunk only when asked for, checked by the stream
 * guardrails). Reading it to the end, leaving it early (break, `return()`) or it throwing ends the call: the
 * reservation is settled to what was generated and the spend row written. An edge must read it or close it.
 */
export interface CallStream {
  readonly batches: AsyncIterable<string[]>;
  /** Why the edge stopped reading before the end (the client left, the reply grew too large); kept on the row. */
  stop(reason: Error): void;
}

/**
 * A long-lived call (a realtime websocket) the pipeline admitted and connected. It holds the caller's parallel slot
 * until `end()`; every finished response is charged with `charge()` (one spend row each).
 */
export interface CallSession {
  readonly connection: RealtimeConnection;
  /** The model group that serves the session. */
  readonly model: string;
  /**
   * Prices one response's usage, charges it to every charged party and writes its spend row. Resolves to whether
   * the budgets still have room for another response (false: the session must stop).
   */
  charge(usage: Usage, providerResponseId: string | null): Promise<boolean>;
  /** @throws BudgetExceededError when a budget the session is charged to has no room for another response. */
  admitNext(): Promise<void>;
  /** Gives back the parallel slot; idempotent. */
  end(): Promise<void>;
}

/** Usage charged once for work done earlier (a completed batch), priced at the operation's rates. */
export interface DeferredCharge {
  readonly usage: Usage;
  /** The model group the work ran on. */
  readonly model: string;
  readonly providerResponseId: string | null;
  /** Batch API prices (half the regular ones unless the catalog has batch prices). */
  readonly batchPricing: boolean;
  /**
   * Claims the charge in a durable store; only the caller that claims it charges, so concurrent or repeated
   * requests charge it once. Called after the cost is known, right before anything is charged.
   */
  claim(): Promise<boolean>;
  /** Gives the claim back when charging failed after it, so a later request charges it. */
  unclaim(): Promise<void>;
}
