import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { RecurringJob } from '../common/recurring-job';
import { TOLLGATE_CONFIG } from '../config/config.tokens';
import type { AlertingSettings, EmailSettings, TollgateConfig } from '../config/config.types';
import { DatabaseService } from '../database/database.service';
import { spendReportEmail } from '../email/email-templates';
import { Mailer } from '../email/mailer.service';
import { type Alert, slackText } from './alert';
import { AlertSender } from './alert-sender';
import { SentAlerts } from './sent-alerts';

/** How often each instance looks whether the current report period's report went out yet. */
const CHECK_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;
/** Rows per dimension in the report (LiteLLM's weekly report shows its top 5 keys and teams). */
const TOP = 5;

/** One ranked row of the report: who (alias, or a key's hash prefix, never a key) and what it spent. */
export interface SpendLine {
  readonly name: string;
  readonly spend: number;
}

/** The spend of one period (the last day or the last 7 days up to the report). */
export interface SpendSummary {
  readonly total: number;
  readonly keys: readonly SpendLine[];
  readonly teams: readonly SpendLine[];
  readonly models: readonly SpendLine[];
}

/**
 * LiteLLM's `spend_reports`: a spend summary (total, top 5 keys, teams and models over the last day and the last 7
 * days) sent once per `spend_report_frequency` to Slack, the webhook and `spend_report_emails`. Every instance checks
 * hourly; the report of a period is claimed in tollgate_sent_alerts like a budget alert, so only the instance whose
 * claim took sends it (no separate lease), and a restart within a period does not send it again.
 */
@Injectable()
export class SpendReports implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Alerting');
  private readonly settings: AlertingSettings | undefined;
  private readonly emailSettings: EmailSettings | undefined;
  private readonly job: RecurringJob<boolean>;

  constructor(
    @Inject(TOLLGATE_CONFIG) config: TollgateConfig,
    private readonly database: DatabaseService,
    private readonly sentAlerts: SentAlerts,
    private readonly sender: AlertSender,
    private readonly mailer: Mailer,
    scheduler: SchedulerRegistry,
  ) {
    this.settings = config.alerting?.enabled && config.alerting.types.includes('spend_reports') ? config.alerting : undefined;
    this.emailSettings = config.email;
    this.job = new RecurringJob(scheduler, 'spend-reports', CHECK_INTERVAL_MS, false, (now) => this.report(now));
  }

  onApplicationBootstrap(): void {
    if (this.settings) this.job.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.job.stop();
  }

  /** Sends the report of the period `now` falls in unless some instance did already. @returns true when this call sent it. */
  runOnce(now = new Date()): Promise<boolean> {
    return this.job.runOnce(now);
  }

  private async report(now: Date): Promise<boolean> {
    const settings = this.settings;
    if (!settings) return false;
    const { intervalMs } = settings.spendReport;
    // Periods are aligned to the Unix epoch (UTC), so every instance agrees on which period `now` is in.
    const periodStart = Math.floor(now.getTime() / intervalMs) * intervalMs;
    try {
      const claimed = await this.sentAlerts.claim({
        alertType: 'spend_reports',
        subject: 'proxy',
        threshold: `every ${intervalMs} ms`,
        windowStart: new Date(periodStart),
        windowEnd: new Date(periodStart + intervalMs),
      });
      if (!claimed) return false;
      const [day, week] = await Promise.all([this.summary(new Date(now.getTime() - DAY_MS), now), this.summary(new Date(now.getTime() - 7 * DAY_MS), now)]);
      const { title, lines } = reportLines(now, day, week);
      await this.sender.send(spendReportAlert(title, lines, week.total));
      const email = this.emailSettings;
      if (settings.email && email) {
        for (const recipient of settings.spendReport.emails) this.mailer.send({ ...spendReportEmail(email, recipient, title, lines), to: recipient, kind: 'spend_report' });
      }
      return true;
    } catch (error) {
      // The period's claim may have gone in: its report is then lost (logged), not sent twice.
      this.logger.error(`spend report not sent: ${error instanceof Error ? error.message : typeof error}`);
      return false;
    }
  }

  /** Total and top spenders of `[from, to)` from the spend logs (the key's hash and alias only, never a key). */
  async summary(from: Date, to: Date): Promise<SpendSummary> {
    const query = async (sql: string, ranked = true): Promise<SpendLine[]> => {
      const rows: { name: string | null; spend: number | string | null }[] = await this.database.dataSource.query(sql, ranked ? [from, to, TOP] : [from, to]);
      return rows.map((row) => ({ name: row.name ?? '(none)', spend: Number(row.spend ?? 0) }));
    };
    const range = `sl."start_time" >= $1 AND sl."start_time" < $2`;
    const [totals, keys, teams, models] = await Promise.all([
      query(`SELECT 'total' AS "name", COALESCE(SUM(sl."spend"), 0)::float8 AS "spend" FROM "tollgate_spend_logs" sl WHERE ${range}`, false),
      query(
        `SELECT COALESCE(MAX(vk."key_alias"), LEFT(sl."api_key", 12) || '…') AS "name", SUM(sl."spend")::float8 AS "spend"
         FROM "tollgate_spend_logs" sl LEFT JOIN "tollgate_virtual_keys" vk ON vk."token" = sl."api_key"
         WHERE ${range} AND sl."api_key" <> '' GROUP BY sl."api_key" ORDER BY 2 DESC, 1 LIMIT $3`,
      ),
      query(
        `SELECT COALESCE(MAX(tt."team_alias"), sl."team_id") AS "name", SUM(sl."spend")::float8 AS "spend"
         FROM "tollgate_spend_logs" sl LEFT JOIN "tollgate_teams" tt ON tt."team_id" = sl."team_id"
         WHERE ${range} AND sl."team_id" IS NOT NULL AND sl."team_id" <> '' GROUP BY sl."team_id" ORDER BY 2 DESC, 1 LIMIT $3`,
      ),
      query(
        `SELECT sl."model" AS "name", SUM(sl."spend")::float8 AS "spend" FROM "tollgate_spend_logs" sl
         WHERE ${range} AND sl."model" <> '' GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT $3`,
      ),
    ]);
    return { total: totals[0]?.spend ?? 0, keys, teams, models };
  }
}

const money = (value: number): string => `$${Number(value.toFixed(4))}`;

/** The report's title and lines, shared by Slack, the webhook's event_message and the mail. */
export function reportLines(now: Date, day: SpendSummary, week: SpendSummary): { title: string; lines: string[] } {
  const section = (label: string, summary: SpendSummary): string[] => {
    const top = (what: string, list: readonly SpendLine[]): string =>
      `Top ${what}: ${list.length === 0 ? 'none' : list.map((line, index) => `${index + 1}. ${line.name} ${money(line.spend)}`).join(', ')}`;
    return [`${label}: total ${money(summary.total)}`, top('keys', summary.keys), top('teams', summary.teams), top('models', summary.models)];
  };
  return { title: `Spend Report up to ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC`, lines: [...section('Last 24 hours', day), ...section('Last 7 days', week)] };
}

function spendReportAlert(title: string, lines: readonly string[], weekTotal: number): Alert {
  const message = `${title}\n${lines.join('\n')}`;
  return {
    type: 'spend_reports',
    key: null,
    text: slackText('spend_reports', 'Low', message),
    event: {
      spend: weekTotal,
      max_budget: null,
      soft_budget: null,
      token: null,
      customer_id: null,
      user_id: null,
      team_id: null,
      team_alias: null,
      user_email: null,
      key_alias: null,
      projected_exceeded_date: null,
      projected_spend: null,
      event: 'spend_report',
      event_group: 'proxy',
      event_message: message,
      alert_type: 'spend_reports',
      threshold: null,
    },
  };
}
