import OpenAI from 'openai';
import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { startSmtpReceiver, type SmtpReceiver } from './support/smtp-receiver';

const MASTER_KEY = 'sk-email-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
  alerting: ["email"]
  alert_types: ["budget_alerts"]
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: priced
    litellm_params: { model: mock/gpt-4o, input_cost_per_token: 0.001, output_cost_per_token: 0.001 }
`;

/** LiteLLM's send_invite_email over a real SMTP server, with the seed's email branding. */
describe('email: invitations and new keys over SMTP (e2e)', () => {
  let smtp: SmtpReceiver;
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);

  beforeAll(async () => {
    smtp = await startSmtpReceiver({ user: 'mailer', pass: 'smtp-secret-pass' });
    gateway = await startGateway(CONFIG, {
      env: {
        SMTP_HOST: '127.0.0.1',
        SMTP_PORT: String(smtp.port),
        SMTP_USERNAME: 'mailer',
        SMTP_PASSWORD: 'smtp-secret-pass',
        SMTP_TLS: 'False',
        SMTP_SENDER_EMAIL: 'llm-gateway@acme.example',
        EMAIL_LOGO_URL: 'https://cdn.acme.example/logo.png',
        EMAIL_SUPPORT_CONTACT: 'ai-platform@acme.example',
        PROXY_BASE_URL: 'https://llm.acme.example/',
        DOCS_TITLE: 'Acme LLM Gateway',
      },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    await smtp?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should mail a new user an invitation carrying a working key, branded, in HTML and text', async () => {
    const created = await api.post<{ key: string }>('/user/new', { user_id: 'carol', user_email: 'carol@acme.example', send_invite_email: true, max_budget: 25 });
    expect(created.status).toBe(200);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('carol@acme.example'));
    expect(mail.authenticatedAs).toBe('mailer');
    expect(mail.envelopeFrom).toBe('llm-gateway@acme.example');
    expect(mail.parsed.subject).toBe('Acme LLM Gateway: you have been invited');
    const text = mail.parsed.text ?? '';
    const html = typeof mail.parsed.html === 'string' ? mail.parsed.html : '';
    for (const part of [text, html]) {
      expect(part).toContain(created.body.key);
      expect(part).toContain('https://llm.acme.example/v1');
      expect(part).toContain('ai-platform@acme.example');
    }
    expect(html).toContain('<img src="https://cdn.acme.example/logo.png"');
    expect(text).toContain('Budget: $25.00');
    // The key in the mail is the user's key: the OpenAI SDK calls with it.
    const client = new OpenAI({ apiKey: created.body.key, baseURL: `${gateway.url}/v1` });
    const answer = await client.chat.completions.create({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0].message.content).toBeTruthy();
  });

  it("should mail a key made with send_invite_email to its user's address, and send nothing without the flag", async () => {
    await api.post('/user/new', { user_id: 'dave', user_email: 'dave@acme.example', auto_create_key: false });
    const quiet = await api.post<{ key: string }>('/key/generate', { user_id: 'dave', key_alias: 'dave-quiet' });
    const mailed = await api.post<{ key: string }>('/key/generate', { user_id: 'dave', key_alias: 'dave-notebook', models: ['demo'], send_invite_email: true });
    expect(mailed.status).toBe(200);
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('dave@acme.example'));
    expect(mail.parsed.subject).toBe('Acme LLM Gateway: your API key is ready');
    expect(mail.parsed.text).toContain(mailed.body.key);
    expect(mail.parsed.text).toContain('Name: dave-notebook');
    expect(mail.parsed.text).toContain('Models: demo');
    expect(mail.parsed.text).not.toContain(quiet.body.key);
    // Give a stray mail for the quiet key time to arrive: there must be exactly one for dave.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.mails.filter((m) => m.envelopeTo.includes('dave@acme.example'))).toHaveLength(1);
  });

  it('should retry a mail the server refuses for now, and deliver it once', async () => {
    smtp.refuseNext(1);
    await api.post('/user/new', { user_id: 'erin', user_email: 'erin@acme.example', send_invite_email: true });
    await smtp.waitFor((m) => m.envelopeTo.includes('erin@acme.example'), 15_000);
    expect(smtp.mails.filter((m) => m.envelopeTo.includes('erin@acme.example'))).toHaveLength(1);
  });

  it("should mail a key's owner once per budget threshold its calls cross", async () => {
    await api.post('/user/new', { user_id: 'fay', user_email: 'fay@acme.example', auto_create_key: false });
    // A priced mock call costs about $0.03 (8 prompt + ~21 completion tokens at $0.001): a $0.05 budget crosses 50 % on the first call.
    const key = await api.post<{ key: string }>('/key/generate', { user_id: 'fay', key_alias: 'fay-app', max_budget: 0.05 });
    const client = new OpenAI({ apiKey: key.body.key, baseURL: `${gateway.url}/v1` });
    await client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] });
    const mail = await smtp.waitFor((m) => m.envelopeTo.includes('fay@acme.example') && /budget/.test(m.parsed.subject ?? ''), 15_000);
    expect(mail.parsed.subject).toMatch(/^Acme LLM Gateway: key fay-app has used (50|80|95)% of its budget$|^Acme LLM Gateway: key fay-app has reached its budget$/);
    expect(mail.parsed.text).toContain('of $0.05');
    expect(mail.parsed.text).not.toContain(key.body.key);
    const first = smtp.mails.filter((m) => m.envelopeTo.includes('fay@acme.example')).length;
    // The next call is refused or crosses later thresholds only: no threshold is mailed twice.
    await client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const subjects = smtp.mails.filter((m) => m.envelopeTo.includes('fay@acme.example')).map((m) => m.parsed.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
    expect(subjects.length).toBeGreaterThanOrEqual(first);
  });

  it('should refuse to boot with email alerting and no SMTP server named', async () => {
    await expect(startGateway(CONFIG, { env: { SMTP_HOST: '' } })).rejects.toThrow(/alerting: "email" needs SMTP_HOST/);
  });
});
