import { SchedulerRegistry } from '@nestjs/schedule';
import type { AlertingSettings, EmailSettings, TollgateConfig } from '../config/config.types';
import type { DatabaseService } from '../database/database.service';
import type { Mailer, OutgoingEmail } from '../email/mailer.service';
import type { Alert, AlertKey } from './alert';
import type { AlertSender } from './alert-sender';
import type { SentAlerts } from './sent-alerts';
import { SpendReports } from './spend-report';

const DAY = 86_400_000;

const SETTINGS = {
  enabled: true,
  types: ['spend_reports'],
  email: true,
  spendReport: { intervalMs: DAY, emails: ['finance@example.com', 'cto@example.com'] },
} as unknown as AlertingSettings;

/** The spend logs as the report's queries read them: one canned answer per dimension. */
class FakeDatabase {
  readonly queries: unknown[][] = [];
  readonly service = {
    dataSource: {
      query: async (sql: string, params: unknown[]) => {
        this.queries.push(params);
        if (sql.includes(`'total'`)) return [{ name: 'total', spend: params[0] instanceof Date && (params[1] as Date).getTime() - params[0].getTime() > DAY ? '12.5' : 2.25 }];
        if (sql.includes('tollgate_virtual_keys'))
          return [
            { name: 'billing-bot', spend: 1.5 },
            { name: '0123456789ab…', spend: 0.75 },
          ];
        if (sql.includes('tollgate_teams')) return [{ name: 'Team One', spend: 2.25 }];
        return [{ name: 'gpt-4o', spend: 2.25 }];
      },
    },
  } as unknown as DatabaseService;
}

/** tollgate_sent_alerts' contract: the first claim of a key takes (shared across instances). */
class FakeSentAlerts {
  readonly rows = new Set<string>();
  readonly service = {
    claim: async (key: AlertKey): Promise<boolean> => {
      const id = `${key.alertType}|${key.subject}|${key.threshold}|${key.windowStart.toISOString()}`;
      if (this.rows.has(id)) return false;
      this.rows.add(id);
      return true;
    },
  } as unknown as SentAlerts;
}

function instance(sent = new FakeSentAlerts(), settings: AlertingSettings = SETTINGS, database = new FakeDatabase()) {
  const alerts: Alert[] = [];
  const mails: OutgoingEmail[] = [];
  const email = { brand: 'Tollgate', logoUrl: null, supportContact: null, baseUrl: 'http://gw.test', includeApiKey: false } as unknown as EmailSettings;
  const reports = new SpendReports(
    { alerting: settings, email } as TollgateConfig,
    database.service,
    sent.service,
    { send: async (alert: Alert) => (alerts.push(alert), 1) } as unknown as AlertSender,
    { send: (mail: OutgoingEmail) => void mails.push(mail) } as unknown as Mailer,
    new SchedulerRegistry(),
  );
  return { reports, alerts, mails, database };
}

describe(SpendReports.name, () => {
  const now = new Date(Date.UTC(2026, 11, 4, 9, 30));

  it('should send one report per period: total and top keys, teams and models of the last day and week', async () => {
    const { reports, alerts } = instance();
    expect(await reports.runOnce(now)).toBe(true);
    expect(await reports.runOnce(new Date(now.getTime() + 3_600_000))).toBe(false);
    expect(alerts).toHaveLength(1);
    const { event, text } = alerts[0];
    expect(event).toMatchObject({ event: 'spend_report', event_group: 'proxy', alert_type: 'spend_reports', spend: 12.5, token: null });
    expect(event.event_message).toContain('Spend Report up to 2026-12-04 09:30 UTC');
    expect(event.event_message).toContain('Last 24 hours: total $2.25');
    expect(event.event_message).toContain('Last 7 days: total $12.5');
    expect(event.event_message).toContain('Top keys: 1. billing-bot $1.5, 2. 0123456789ab… $0.75');
    expect(event.event_message).toContain('Top teams: 1. Team One $2.25');
    expect(event.event_message).toContain('Top models: 1. gpt-4o $2.25');
    expect(text).toMatch(/^Alert type: `spend_reports`\nLevel: `Low`/);
    // The next period (the next UTC day for 1d) sends again.
    expect(await reports.runOnce(new Date(now.getTime() + DAY))).toBe(true);
    expect(alerts).toHaveLength(2);
  });

  it('should query the last day and the last 7 days up to now', async () => {
    const { reports, database } = instance();
    await reports.runOnce(now);
    const ranges = new Set(database.queries.map(([from, to]) => `${(to as Date).getTime() - (from as Date).getTime()}`));
    expect([...ranges].sort()).toEqual([String(DAY), String(7 * DAY)].sort());
    expect(database.queries.every(([, to]) => (to as Date).getTime() === now.getTime())).toBe(true);
  });

  it('should be sent by one instance only (the period is claimed in the database)', async () => {
    const shared = new FakeSentAlerts();
    const a = instance(shared);
    const b = instance(shared);
    const sent = await Promise.all([a.reports.runOnce(now), b.reports.runOnce(now)]);
    expect(sent.filter(Boolean)).toHaveLength(1);
    expect(a.alerts.length + b.alerts.length).toBe(1);
  });

  it('should mail the report to spend_report_emails when email is a channel', async () => {
    const { reports, mails } = instance();
    await reports.runOnce(now);
    expect(mails.map(({ to, kind }) => [to, kind])).toEqual([
      ['finance@example.com', 'spend_report'],
      ['cto@example.com', 'spend_report'],
    ]);
    expect(mails[0].subject).toBe('Tollgate: Spend Report up to 2026-12-04 09:30 UTC');
    expect(mails[0].text).toContain('Top keys: 1. billing-bot $1.5');
    const noMail = instance(new FakeSentAlerts(), { ...SETTINGS, email: false });
    await noMail.reports.runOnce(now);
    expect(noMail.mails).toEqual([]);
  });

  it('should do nothing when spend_reports is left out of alert_types', async () => {
    const { reports, alerts, database } = instance(new FakeSentAlerts(), { ...SETTINGS, types: ['budget_alerts'] });
    expect(await reports.runOnce(now)).toBe(false);
    expect(alerts).toEqual([]);
    expect(database.queries).toEqual([]);
  });
});
