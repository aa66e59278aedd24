import type { BuiltAlertType } from '../config/config.types';

/** LiteLLM's `WebhookEvent.event` values Tollgate sends, plus its own for deployment cooldowns. */
export type AlertEvent =
  | 'threshold_crossed'
  | 'budget_crossed'
  | 'soft_budget_crossed'
  | 'projected_limit_exceeded'
  | 'key_created'
  | 'internal_user_created'
  | 'cooldown_deployment'
  | 'llm_too_slow'
  | 'llm_requests_hanging'
  | 'outage_alerts'
  | 'spend_report';

/** LiteLLM's `WebhookEvent.event_group` (Litellm_EntityType) values Tollgate sends. */
export type AlertEventGroup = 'key' | 'team' | 'internal_user' | 'proxy';

/**
 * The generic webhook's JSON body: LiteLLM's `WebhookEvent` (CallInfo + event, event_group, event_message), so a
 * receiver built for LiteLLM parses it. `alert_type` and `threshold` are Tollgate's additions; `token` is the key's
 * sha256 hash, never the key.
 */
export interface WebhookEvent {
  readonly spend: number;
  readonly max_budget: number | null;
  readonly soft_budget: number | null;
  readonly token: string | null;
  readonly customer_id: string | null;
  readonly user_id: string | null;
  readonly team_id: string | null;
  readonly team_alias: string | null;
  readonly user_email: string | null;
  readonly key_alias: string | null;
  /** `projected_limit_exceeded`: when spend reaches max_budget at the window's rate so far (ISO 8601 date-time). */
  readonly projected_exceeded_date: string | null;
  /** `projected_limit_exceeded`: the window's spend projected at its rate so far. */
  readonly projected_spend: number | null;
  readonly event: AlertEvent;
  readonly event_group: AlertEventGroup;
  readonly event_message: string;
  /** Tollgate's: the LiteLLM alert type this event belongs to (`budget_alerts`, `cooldown_deployment`). */
  readonly alert_type: BuiltAlertType;
  /** Tollgate's: the percentage of max_budget crossed (budget events; `soft_budget_crossed` has null). */
  readonly threshold: number | null;
  /** Tollgate's, cooldown and slow-response events: the deployment (`model_info.id`) and its model group. */
  readonly model_id?: string;
  readonly model_group?: string;
}

/** What makes an alert unique: sent once per key across all instances (tollgate_sent_alerts). */
export interface AlertKey {
  readonly alertType: BuiltAlertType;
  /** The budget's spend account, or the deployment id. */
  readonly subject: string;
  /** `50`, `100`, `soft`, `projected`, `cooldown`. */
  readonly threshold: string;
  /** Start of the budget window (epoch for a budget that never resets). */
  readonly windowStart: Date;
  /** When the window ends (null: never); its row is deleted a day after. */
  readonly windowEnd: Date | null;
}

export interface Alert {
  readonly type: BuiltAlertType;
  /** Null: not deduplicated in the database (rate-limited in memory instead). */
  readonly key: AlertKey | null;
  readonly event: WebhookEvent;
  /** Slack's `text`. */
  readonly text: string;
}

/** LiteLLM's alert levels, shown in the Slack text. */
export type AlertLevel = 'Low' | 'Medium' | 'High';

/**
 * The Slack text in LiteLLM's layout (alert type, level, UTC time, message), so channels fed by LiteLLM read the
 * same: "Alert type: `budget_alerts`\nLevel: `Medium`\nTimestamp: `14:03:07`\n\nMessage: …".
 */
export function slackText(type: BuiltAlertType, level: AlertLevel, message: string, at = new Date()): string {
  return `Alert type: \`${type}\`\nLevel: \`${level}\`\nTimestamp: \`${at.toISOString().slice(11, 19)}\`\n\nMessage: ${message}`;
}
