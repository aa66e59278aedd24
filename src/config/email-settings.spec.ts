import { DEFAULT_SMTP_PORT, readEmailSettings } from './email-settings';

describe('readEmailSettings', () => {
  const smtp = { SMTP_HOST: 'smtp.acme.example', SMTP_SENDER_EMAIL: 'gw@acme.example' };

  it('should be off unless alerting lists email', () => {
    const problems: string[] = [];
    expect(readEmailSettings(['slack'], 'Tollgate', smtp, problems)).toBeUndefined();
    expect(readEmailSettings(undefined, 'Tollgate', smtp, problems)).toBeUndefined();
    expect(problems).toEqual([]);
  });

  it("should read LiteLLM's SMTP and branding environment, STARTTLS required by default", () => {
    const problems: string[] = [];
    const settings = readEmailSettings(
      ['email'],
      'Acme',
      { ...smtp, SMTP_USERNAME: 'u', SMTP_PASSWORD: 'p', SMTP_SENDER_LOGO: 'https://x.example/l.png', PROXY_BASE_URL: 'https://gw.example//' },
      problems,
    );
    expect(problems).toEqual([]);
    expect(settings).toEqual({
      smtp: { host: 'smtp.acme.example', port: DEFAULT_SMTP_PORT, username: 'u', password: 'p', startTls: true },
      sender: 'gw@acme.example',
      brand: 'Acme',
      logoUrl: 'https://x.example/l.png',
      supportContact: undefined,
      baseUrl: 'https://gw.example',
      includeApiKey: true,
    });
    expect(readEmailSettings(['email'], 'Acme', { ...smtp, SMTP_TLS: 'False', EMAIL_INCLUDE_API_KEY: 'False' }, [])).toMatchObject({
      smtp: { startTls: false },
      includeApiKey: false,
    });
  });

  it('should name each missing or bad value', () => {
    const problems: string[] = [];
    expect(readEmailSettings(['email'], 'Acme', { SMTP_PORT: '99999', EMAIL_LOGO_URL: 'javascript:alert(1)' }, problems)).toBeUndefined();
    expect(problems).toEqual([
      'general_settings.alerting: "email" needs SMTP_HOST (and SMTP_SENDER_EMAIL) in the environment',
      'SMTP_PORT: must be a port number (1-65535)',
      'EMAIL_LOGO_URL: must be an http(s) URL',
    ]);
  });
});
