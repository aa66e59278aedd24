import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from './config.errors';
import { loadConfig } from './config.loader';

describe('alerting settings (general_settings.alerting …)', () => {
  let dir: string;
  let count = 0;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tollgate-alerting-config-'));
  });

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const load = (general: string, env: NodeJS.ProcessEnv = {}) => {
    const path = join(dir, `config-${++count}.yaml`);
    writeFileSync(path, `general_settings:\n${general}\n`);
    return loadConfig({ configPath: path, env });
  };
  const problemsOf = (general: string, env: NodeJS.ProcessEnv = {}): string[] => {
    try {
      load(general, env);
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      return (error as ConfigError).problems;
    }
    throw new Error('expected a ConfigError');
  };

  it('should be off without general_settings.alerting', () => {
    const { alerting, warnings } = load('  master_key: sk-1', { WEBHOOK_URL: 'http://127.0.0.1:1/hook' });
    expect(alerting).toBeUndefined();
    expect(warnings).toEqual([]);
  });

  it("should send every built type to WEBHOOK_URL with LiteLLM's defaults", () => {
    const { alerting, warnings } = load('  alerting: ["webhook"]', { WEBHOOK_URL: 'http://127.0.0.1:1/hook' });
    expect(alerting).toMatchObject({
      enabled: true,
      types: [
        'budget_alerts',
        'cooldown_deployment',
        'new_virtual_key_created',
        'new_internal_user_created',
        'llm_too_slow',
        'llm_requests_hanging',
        'outage_alerts',
        'spend_reports',
      ],
      webhookUrl: 'http://127.0.0.1:1/hook',
      budgetThresholds: [50, 80, 95, 100],
      slowRequestSeconds: 300,
      outage: { ttlMs: 60_000, minor: 5, major: 10 },
      spendReport: { intervalMs: 7 * 86_400_000, emails: [] },
    });
    expect(warnings).toEqual([]);
  });

  it('should route Slack alerts by alert_to_webhook_url (os.environ/NAME resolved), else SLACK_WEBHOOK_URL', () => {
    const { alerting } = load(
      `  alerting: ["slack"]
  alert_to_webhook_url:
    budget_alerts: os.environ/FINANCE_SLACK
  alerting_threshold: 120`,
      { FINANCE_SLACK: 'https://hooks.slack.test/finance', SLACK_WEBHOOK_URL: 'https://hooks.slack.test/ops' },
    );
    expect(alerting?.slack).toEqual({
      budget_alerts: ['https://hooks.slack.test/finance'],
      cooldown_deployment: ['https://hooks.slack.test/ops'],
      new_virtual_key_created: ['https://hooks.slack.test/ops'],
      new_internal_user_created: ['https://hooks.slack.test/ops'],
      llm_too_slow: ['https://hooks.slack.test/ops'],
      llm_requests_hanging: ['https://hooks.slack.test/ops'],
      outage_alerts: ['https://hooks.slack.test/ops'],
      spend_reports: ['https://hooks.slack.test/ops'],
    });
    expect(alerting?.slowRequestSeconds).toBe(120);
  });

  it('should take email as a channel, and accept types it does not build with a warning', () => {
    const { alerting, warnings } = load('  alerting: ["email", "webhook"]\n  alert_types: ["budget_alerts", "fallback_reports"]', {
      WEBHOOK_URL: 'http://127.0.0.1:1/hook',
      SMTP_HOST: 'smtp.example',
      SMTP_SENDER_EMAIL: 'gw@example.com',
    });
    expect(alerting?.types).toEqual(['budget_alerts']);
    expect(alerting?.email).toBe(true);
    expect(warnings.join('\n')).not.toContain('email');
    expect(warnings.join('\n')).toContain('fallback_reports not built');
  });

  it('should take spend_report_frequency (LiteLLM) and spend_report_emails (Tollgate), and refuse bad ones', () => {
    const { alerting } = load('  alerting: ["webhook"]\n  spend_report_frequency: "1d"\n  spend_report_emails: ["fin@example.com", "fin@example.com"]', {
      WEBHOOK_URL: 'http://127.0.0.1:1/hook',
    });
    expect(alerting?.spendReport).toEqual({ intervalMs: 86_400_000, emails: ['fin@example.com'] });
    expect(() => load('  alerting: ["webhook"]\n  spend_report_emails: ["not-an-address"]', { WEBHOOK_URL: 'http://127.0.0.1:1/hook' })).toThrow(/spend_report_emails/);
  });

  it('should take budget_alert_thresholds (Tollgate) sorted and deduplicated', () => {
    const { alerting } = load('  alerting: ["webhook"]\n  budget_alert_thresholds: [95, 50, 80, 50]', { WEBHOOK_URL: 'http://127.0.0.1:1/hook' });
    expect(alerting?.budgetThresholds).toEqual([50, 80, 95]);
  });

  it('should warn when a channel has no destination', () => {
    const { alerting, warnings } = load('  alerting: ["slack"]');
    expect(alerting?.enabled).toBe(false);
    expect(warnings.join('\n')).toContain('SLACK_WEBHOOK_URL is not set');
  });

  it('should stop boot on bad values, naming each without echoing URLs', () => {
    const problems = problemsOf(
      `  alerting: ["pager"]
  alert_types: ["budget_alert"]
  alert_to_webhook_url: { budget_alerts: "not a url" }
  budget_alert_thresholds: [0, 150]
  alerting_threshold: -1`,
      { WEBHOOK_URL: 'ftp://secret@host/x' },
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('general_settings.alerting: unknown channel "pager"'),
        expect.stringContaining('general_settings.alert_types: unknown alert type "budget_alert"'),
        expect.stringContaining('general_settings.alert_to_webhook_url.budget_alerts'),
        expect.stringContaining('general_settings.budget_alert_thresholds'),
        expect.stringContaining('general_settings.alerting_threshold'),
        'WEBHOOK_URL: must be an http(s) URL',
      ]),
    );
    expect(problems.join('\n')).not.toContain('secret');
  });

  it("should read LiteLLM's alerting_args for outage alerts, and accept the others it does not use", () => {
    const { alerting, warnings } = load(
      '  alerting: ["webhook"]\n  alerting_args: { outage_alert_ttl: 120, minor_outage_alert_threshold: 3, major_outage_alert_threshold: 6, daily_report_frequency: 43200 }',
      { WEBHOOK_URL: 'http://127.0.0.1:1/hook' },
    );
    expect(alerting?.outage).toEqual({ ttlMs: 120_000, minor: 3, major: 6 });
    expect(warnings.join('\n')).toContain('alerting_args.daily_report_frequency: not used');
    expect(problemsOf('  alerting_args: { minor_outage_alert_threshold: 0, major_outage_alert_threshold: 2.5 }')).toEqual([
      'general_settings.alerting_args.minor_outage_alert_threshold: must be a positive integer',
      'general_settings.alerting_args.major_outage_alert_threshold: must be a positive integer',
    ]);
    expect(problemsOf('  alerting_args: { minor_outage_alert_threshold: 8, major_outage_alert_threshold: 4 }')).toEqual([
      'general_settings.alerting_args: major_outage_alert_threshold must not be below minor_outage_alert_threshold',
    ]);
  });
});
