import type { GeneralSettingsDto, RouterSettingsDto } from './config.schema';
import { parseDuration } from '../common/duration';
import type { AlertingSettings, BuiltAlertType } from './config.types';

type Env = Record<string, string | undefined>;

/** LiteLLM's `AlertType` names (litellm/proxy/_types.py): any of them is a valid `alert_types` entry. */
export const LITELLM_ALERT_TYPES: ReadonlySet<string> = new Set([
  'llm_exceptions',
  'llm_too_slow',
  'llm_requests_hanging',
  'budget_alerts',
  'spend_reports',
  'failed_tracking_spend',
  'db_exceptions',
  'daily_reports',
  'cooldown_deployment',
  'new_model_added',
  'outage_alerts',
  'region_outage_alerts',
  'fallback_reports',
  'new_virtual_key_created',
  'virtual_key_updated',
  'virtual_key_deleted',
  'new_team_created',
  'team_updated',
  'team_deleted',
  'new_internal_user_created',
  'internal_user_updated',
  'internal_user_deleted',
]);

/** What Tollgate sends; the default of `alert_types`. */
export const BUILT_ALERT_TYPES: readonly BuiltAlertType[] = [
  'budget_alerts',
  'cooldown_deployment',
  'new_virtual_key_created',
  'new_internal_user_created',
  'llm_too_slow',
  'llm_requests_hanging',
  'outage_alerts',
  'spend_reports',
];

/** 50, 80 and 95 % warn; 100 % is the budget crossed (LiteLLM's `budget_crossed`). */
export const DEFAULT_BUDGET_ALERT_THRESHOLDS: readonly number[] = [50, 80, 95, 100];

/** LiteLLM's default `spend_report_frequency` (its weekly spend report). */
export const DEFAULT_SPEND_REPORT_FREQUENCY = '7d';

/** LiteLLM's default `alerting_threshold` (seconds). */
export const DEFAULT_ALERTING_THRESHOLD_SECONDS = 300;

const CHANNELS = new Set(['slack', 'webhook', 'email']);
/** LiteLLM's `alerting_args` defaults for outage alerts (SlackAlertingArgs). */
const DEFAULT_OUTAGE = { outage_alert_ttl: 60, minor_outage_alert_threshold: 5, major_outage_alert_threshold: 10 } as const;
/** The other `alerting_args` LiteLLM knows: accepted, not used (their reports and digests are not built). */
const UNUSED_ALERTING_ARGS = new Set([
  'daily_report_frequency',
  'report_check_interval',
  'budget_alert_ttl',
  'region_outage_alert_ttl',
  'max_outage_alert_list_size',
  'log_to_console',
]);
const MIN_COOLDOWN_ALERT_INTERVAL_MS = 60_000;
const DEFAULT_COOLDOWN_SECONDS = 5;

const present = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());
const isHttpUrl = (value: string): boolean => {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

/**
 * LiteLLM's alerting settings: `general_settings.alerting` (channels `slack`, `webhook`, `email`: budget alerts to
 * the key's or user's `user_email`, over the SMTP server src/config/email-settings.ts reads), `alert_types` (default: every type Tollgate builds), `alert_to_webhook_url` (alert type →
 * Slack webhook URL or list of URLs, `os.environ/NAME` already resolved), `alerting_threshold` (seconds), and the
 * environment's `SLACK_WEBHOOK_URL` and `WEBHOOK_URL`. Tollgate adds `budget_alert_thresholds` (percentages).
 * URLs are never echoed into problems or warnings: a Slack webhook URL is a credential. Undefined without `alerting`.
 */
export function readAlertingSettings(general: GeneralSettingsDto, router: RouterSettingsDto, env: Env, problems: string[], warnings: string[]): AlertingSettings | undefined {
  const channels = new Set<string>();
  for (const name of general.alerting ?? []) {
    if (CHANNELS.has(name)) channels.add(name);
    else problems.push(`general_settings.alerting: unknown channel ${JSON.stringify(name)} (slack, webhook or email)`);
  }

  const types = readAlertTypes(general.alert_types, warnings, problems);
  const byType = readAlertToWebhookUrl(general.alert_to_webhook_url, problems);
  const budgetThresholds = readThresholds(general.budget_alert_thresholds, problems);
  const outage = readOutageArgs(general.alerting_args, problems, warnings);
  const spendReport = readSpendReport(general, problems);

  const slackDefault = present(env.SLACK_WEBHOOK_URL);
  if (slackDefault !== undefined && !isHttpUrl(slackDefault)) problems.push('SLACK_WEBHOOK_URL: must be an http(s) URL');
  const webhook = present(env.WEBHOOK_URL);
  if (webhook !== undefined && !isHttpUrl(webhook)) problems.push('WEBHOOK_URL: must be an http(s) URL');

  const slack = {} as Record<BuiltAlertType, readonly string[]>;
  for (const type of BUILT_ALERT_TYPES) {
    slack[type] = channels.has('slack') ? (byType.get(type) ?? (slackDefault !== undefined ? [slackDefault] : [])) : [];
  }
  if (channels.has('slack') && types.some((type) => slack[type].length === 0)) {
    warnings.push('general_settings.alerting: slack is on but SLACK_WEBHOOK_URL is not set (nor alert_to_webhook_url for every alert type): those Slack alerts are skipped');
  }
  const webhookUrl = channels.has('webhook') ? (webhook ?? null) : null;
  if (channels.has('webhook') && webhookUrl === null) warnings.push('general_settings.alerting: webhook is on but WEBHOOK_URL is not set: webhook alerts are skipped');

  // Without `alerting` nothing is sent (as in LiteLLM); the companions above were still checked for typos.
  if (general.alerting === undefined || general.alerting === null) return undefined;
  const cooldownSeconds = typeof router.cooldown_time === 'number' && router.cooldown_time >= 0 ? router.cooldown_time : DEFAULT_COOLDOWN_SECONDS;
  const email = channels.has('email');
  const enabled = types.length > 0 && (webhookUrl !== null || email || types.some((type) => slack[type].length > 0));
  return {
    enabled,
    types,
    slack,
    webhookUrl,
    email,
    budgetThresholds,
    slowRequestSeconds: general.alerting_threshold ?? DEFAULT_ALERTING_THRESHOLD_SECONDS,
    cooldownAlertIntervalMs: Math.max(MIN_COOLDOWN_ALERT_INTERVAL_MS, cooldownSeconds * 1000),
    outage,
    spendReport,
  };
}

/** LiteLLM's `spend_report_frequency` (`1d`, `7d` …; the schema checked its shape) and Tollgate's `spend_report_emails`. */
function readSpendReport(general: GeneralSettingsDto, problems: string[]): AlertingSettings['spendReport'] {
  const intervalMs = parseDuration(general.spend_report_frequency ?? DEFAULT_SPEND_REPORT_FREQUENCY) ?? parseDuration(DEFAULT_SPEND_REPORT_FREQUENCY)!;
  if (intervalMs < 3_600_000) problems.push('general_settings.spend_report_frequency: must be at least 1h');
  const value: unknown = general.spend_report_emails;
  if (value === undefined || value === null) return { intervalMs, emails: [] };
  const valid = Array.isArray(value) && value.every((item) => typeof item === 'string' && /^[^@\s]+@[^@\s]+$/.test(item.trim()));
  if (!valid) {
    problems.push('general_settings.spend_report_emails: must be a list of email addresses');
    return { intervalMs, emails: [] };
  }
  return { intervalMs, emails: [...new Set((value as string[]).map((item) => item.trim()))] };
}

function readOutageArgs(value: unknown, problems: string[], warnings: string[]): AlertingSettings['outage'] {
  const args: Record<string, number> = { ...DEFAULT_OUTAGE };
  if (value !== undefined && value !== null) {
    const path = 'general_settings.alerting_args';
    if (typeof value !== 'object' || Array.isArray(value)) problems.push(`${path}: must be a mapping`);
    else {
      for (const [name, item] of Object.entries(value as Record<string, unknown>)) {
        if (name in DEFAULT_OUTAGE) {
          if (typeof item === 'number' && Number.isInteger(item) && item > 0) args[name] = item;
          else problems.push(`${path}.${name}: must be a positive integer`);
        } else if (UNUSED_ALERTING_ARGS.has(name)) warnings.push(`${path}.${name}: not used by Tollgate (the alert it tunes is not built)`);
        else warnings.push(`unknown key ${path}.${name} (ignored)`);
      }
    }
  }
  if (args.major_outage_alert_threshold < args.minor_outage_alert_threshold) {
    problems.push('general_settings.alerting_args: major_outage_alert_threshold must not be below minor_outage_alert_threshold');
  }
  return { ttlMs: args.outage_alert_ttl * 1000, minor: args.minor_outage_alert_threshold, major: args.major_outage_alert_threshold };
}

function readAlertTypes(value: string[] | undefined, warnings: string[], problems: string[]): BuiltAlertType[] {
  if (value === undefined || value === null) return [...BUILT_ALERT_TYPES];
  const built: BuiltAlertType[] = [];
  const notBuilt: string[] = [];
  for (const name of value) {
    if (!LITELLM_ALERT_TYPES.has(name)) problems.push(`general_settings.alert_types: unknown alert type ${JSON.stringify(name)}`);
    else if ((BUILT_ALERT_TYPES as readonly string[]).includes(name)) built.push(name as BuiltAlertType);
    else notBuilt.push(name);
  }
  if (notBuilt.length > 0) warnings.push(`general_settings.alert_types: ${notBuilt.join(', ')} not built in Tollgate; skipped`);
  return built;
}

function readAlertToWebhookUrl(value: unknown, problems: string[]): Map<string, string[]> {
  const urls = new Map<string, string[]>();
  if (value === undefined || value === null) return urls;
  const path = 'general_settings.alert_to_webhook_url';
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push(`${path}: must be a mapping of alert type to a URL or a list of URLs`);
    return urls;
  }
  for (const [type, target] of Object.entries(value as Record<string, unknown>)) {
    if (!LITELLM_ALERT_TYPES.has(type)) {
      problems.push(`${path}.${type}: unknown alert type`);
      continue;
    }
    const list = typeof target === 'string' ? [target] : Array.isArray(target) ? target : null;
    if (list === null || list.length === 0 || !list.every((item): item is string => typeof item === 'string' && isHttpUrl(item.trim()))) {
      problems.push(`${path}.${type}: must be an http(s) URL or a list of them`);
      continue;
    }
    urls.set(
      type,
      list.map((item) => item.trim()),
    );
  }
  return urls;
}

function readThresholds(value: unknown, problems: string[]): number[] {
  if (value === undefined || value === null) return [...DEFAULT_BUDGET_ALERT_THRESHOLDS];
  const valid = Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'number' && Number.isFinite(item) && item > 0 && item <= 100);
  if (!valid) {
    problems.push('general_settings.budget_alert_thresholds: must be a non-empty list of percentages above 0 and at most 100');
    return [...DEFAULT_BUDGET_ALERT_THRESHOLDS];
  }
  return [...new Set(value as number[])].sort((a, b) => a - b);
}
