import type { EmailSettings } from './config.types';

type Env = Record<string, string | undefined>;

const present = (value: string | undefined): string | undefined => (value === undefined || value.trim() === '' ? undefined : value.trim());

/** LiteLLM's default SMTP port (submission with STARTTLS). */
export const DEFAULT_SMTP_PORT = 587;

/**
 * LiteLLM's email settings: on when `general_settings.alerting` lists `email`; the server from `SMTP_HOST`,
 * `SMTP_PORT`, `SMTP_USERNAME`, `SMTP_PASSWORD`, `SMTP_TLS` (STARTTLS required unless `False`; port 465 is TLS from
 * the first byte), the sender from `SMTP_SENDER_EMAIL`, the branding from `EMAIL_LOGO_URL` (or `SMTP_SENDER_LOGO`),
 * `EMAIL_SUPPORT_CONTACT`, `PROXY_BASE_URL`, and `EMAIL_INCLUDE_API_KEY=False` to leave keys out of mails.
 * Email listed without `SMTP_HOST` or `SMTP_SENDER_EMAIL` is a boot error: mails would silently go nowhere.
 */
export function readEmailSettings(alerting: readonly string[] | undefined, brand: string, env: Env, problems: string[]): EmailSettings | undefined {
  if (!alerting?.includes('email')) return undefined;
  const host = present(env.SMTP_HOST);
  const sender = present(env.SMTP_SENDER_EMAIL);
  if (!host) problems.push('general_settings.alerting: "email" needs SMTP_HOST (and SMTP_SENDER_EMAIL) in the environment');
  else if (!sender) problems.push('general_settings.alerting: "email" needs SMTP_SENDER_EMAIL in the environment');
  const portText = present(env.SMTP_PORT);
  const port = portText === undefined ? DEFAULT_SMTP_PORT : Number(portText);
  if (!Number.isInteger(port) || port <= 0 || port > 65_535) problems.push('SMTP_PORT: must be a port number (1-65535)');
  const logoUrl = present(env.EMAIL_LOGO_URL) ?? present(env.SMTP_SENDER_LOGO);
  if (logoUrl !== undefined && !/^https?:\/\//i.test(logoUrl)) problems.push('EMAIL_LOGO_URL: must be an http(s) URL');
  if (!host || !sender) return undefined;
  const tls = present(env.SMTP_TLS)?.toLowerCase();
  return {
    smtp: {
      host,
      port,
      username: present(env.SMTP_USERNAME),
      password: present(env.SMTP_PASSWORD),
      startTls: tls !== 'false' && tls !== '0' && tls !== 'no',
    },
    sender,
    brand,
    logoUrl,
    supportContact: present(env.EMAIL_SUPPORT_CONTACT),
    baseUrl: (present(env.PROXY_BASE_URL) ?? 'http://localhost:4000').replace(/\/+$/, ''),
    includeApiKey: !['false', '0', 'no'].includes(present(env.EMAIL_INCLUDE_API_KEY)?.toLowerCase() ?? ''),
  };
}
