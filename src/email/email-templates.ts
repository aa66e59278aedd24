import type { EmailSettings } from '../config/config.types';
import { escapeHtml } from '../common/html';

/** One mail, both parts: HTML for mail clients, plain text for the rest (and for filters and screen readers). */
export interface RenderedEmail {
  readonly subject: string;
  readonly html: string;
  readonly text: string;
}

export type EmailBranding = Pick<EmailSettings, 'brand' | 'logoUrl' | 'supportContact' | 'baseUrl' | 'includeApiKey'>;

/** What a mail about a new key says about it. */
export interface NewKeyFacts {
  readonly recipient: string;
  /** The key's secret; shown only when `EMAIL_INCLUDE_API_KEY` is not false. */
  readonly key: string;
  readonly keyAlias: string | null;
  readonly maxBudget: number | null;
  readonly budgetDuration: string | null;
  readonly models: readonly string[];
  readonly expires: string | null;
}

const HIDDEN_KEY = '[not included in this mail: ask your administrator or see the key in the admin UI]';

/** `/key/generate` with `send_invite_email: true`: the key's owner gets the key and how to use it. */
export function keyCreatedEmail(branding: EmailBranding, facts: NewKeyFacts): RenderedEmail {
  return newKeyEmail(branding, facts, {
    subject: `${branding.brand}: your API key is ready`,
    intro: 'An API key has been created for you.',
  });
}

/** `/user/new` with `send_invite_email: true`: the new user is welcomed with the key made for them. */
export function userInvitationEmail(branding: EmailBranding, facts: NewKeyFacts): RenderedEmail {
  return newKeyEmail(branding, facts, {
    subject: `${branding.brand}: you have been invited`,
    intro: `You have been given access to ${branding.brand}, the LLM gateway of your organisation.`,
  });
}

/** A budget alert for the owner of the budget (the alerting module decides when). */
export interface BudgetAlertFacts {
  readonly recipient: string;
  /** What crossed: `key my-app`, `team platform`, `user alice`. */
  readonly subject: string;
  readonly spend: number;
  readonly maxBudget: number;
  /** Percent of the budget reached (50, 80, 95, 100). */
  readonly percent: number;
}

/** `spend_reports` by mail: the same lines as the Slack report, one paragraph each. */
export function spendReportEmail(branding: EmailBranding, recipient: string, title: string, lines: readonly string[]): RenderedEmail {
  return {
    subject: `${branding.brand}: ${title}`,
    html: layout(branding, recipient, lines.map((line) => `<p style="margin:0 0 12px">${escapeHtml(line)}</p>`).join('')),
    text: textLayout(branding, recipient, lines),
  };
}

export function budgetAlertEmail(branding: EmailBranding, facts: BudgetAlertFacts): RenderedEmail {
  const reached = facts.percent >= 100 ? 'has reached its budget' : `has used ${facts.percent}% of its budget`;
  const lines = [`${capitalise(facts.subject)} ${reached}.`, `Spend: ${usd(facts.spend)} of ${usd(facts.maxBudget)}.`];
  if (facts.percent >= 100) lines.push('Calls charged to it are refused until the budget resets or is raised.');
  return {
    subject: `${branding.brand}: ${facts.subject} ${reached}`,
    html: layout(branding, facts.recipient, lines.map((line) => `<p style="margin:0 0 12px">${escapeHtml(line)}</p>`).join('')),
    text: textLayout(branding, facts.recipient, lines),
  };
}

function newKeyEmail(branding: EmailBranding, facts: NewKeyFacts, copy: { subject: string; intro: string }): RenderedEmail {
  const key = branding.includeApiKey ? facts.key : HIDDEN_KEY;
  const budget = facts.maxBudget === null ? 'no budget limit' : `${usd(facts.maxBudget)}${facts.budgetDuration ? ` every ${facts.budgetDuration}` : ''}`;
  const details: [string, string][] = [
    ['Key', key],
    ...(facts.keyAlias ? ([['Name', facts.keyAlias]] as [string, string][]) : []),
    ['Budget', budget],
    ['Models', facts.models.length > 0 ? facts.models.join(', ') : 'all models you are allowed'],
    ['Expires', facts.expires ?? 'never'],
    ['Base URL', `${branding.baseUrl}/v1`],
  ];
  const example = [
    'from openai import OpenAI',
    `client = OpenAI(api_key="${branding.includeApiKey ? facts.key : '<your key>'}", base_url="${branding.baseUrl}/v1")`,
    'client.chat.completions.create(model="<a model>", messages=[{"role": "user", "content": "Hello"}])',
  ].join('\n');
  const html =
    `<p style="margin:0 0 12px">${escapeHtml(copy.intro)}</p>` +
    `<table style="border-collapse:collapse;margin:0 0 16px">${details
      .map(([name, value]) => `<tr><td style="padding:4px 12px 4px 0;color:#6b7385">${escapeHtml(name)}</td><td style="padding:4px 0"><code>${escapeHtml(value)}</code></td></tr>`)
      .join('')}</table>` +
    `<p style="margin:0 0 8px">Use it with any OpenAI SDK:</p>` +
    `<pre style="background:#f1f3f8;padding:12px;border-radius:6px;overflow:auto">${escapeHtml(example)}</pre>` +
    `<p style="margin:12px 0 0">Keep the key secret: anyone holding it spends your budget.</p>`;
  const text = textLayout(branding, facts.recipient, [
    copy.intro,
    '',
    ...details.map(([name, value]) => `${name}: ${value}`),
    '',
    'Use it with any OpenAI SDK:',
    '',
    example,
    '',
    'Keep the key secret: anyone holding it spends your budget.',
  ]);
  return { subject: copy.subject, html: layout(branding, facts.recipient, html), text };
}

function layout(branding: EmailBranding, recipient: string, content: string): string {
  const logo = branding.logoUrl ? `<img src="${escapeHtml(branding.logoUrl)}" alt="${escapeHtml(branding.brand)}" height="40" style="display:block;margin:0 0 16px">` : '';
  const support = branding.supportContact ? `<p style="margin:16px 0 0;color:#6b7385;font-size:13px">Questions? Contact ${escapeHtml(branding.supportContact)}.</p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(branding.brand)}</title></head>
<body style="margin:0;padding:24px;background:#f6f7fb;font-family:system-ui,-apple-system,'Segoe UI',sans-serif;color:#1d2330">
<div style="max-width:600px;margin:0 auto;background:#fff;border-radius:8px;padding:24px">
${logo}<p style="margin:0 0 12px">Hi ${escapeHtml(recipient)},</p>
${content}
${support}
<p style="margin:16px 0 0;color:#6b7385;font-size:12px">${escapeHtml(branding.brand)} · <a href="${escapeHtml(branding.baseUrl)}">${escapeHtml(branding.baseUrl)}</a></p>
</div>
</body></html>
`;
}

function textLayout(branding: EmailBranding, recipient: string, lines: readonly string[]): string {
  return [
    `Hi ${recipient},`,
    '',
    ...lines,
    '',
    ...(branding.supportContact ? [`Questions? Contact ${branding.supportContact}.`, ''] : []),
    `${branding.brand} · ${branding.baseUrl}`,
    '',
  ].join('\n');
}

function usd(amount: number): string {
  return `$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 6 })}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
