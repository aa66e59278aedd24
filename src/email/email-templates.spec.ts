import { budgetAlertEmail, keyCreatedEmail, type EmailBranding, type NewKeyFacts } from './email-templates';

const BRANDING: EmailBranding = { brand: 'Acme <AI>', baseUrl: 'https://gw.acme.example', includeApiKey: true };
const FACTS: NewKeyFacts = {
  recipient: 'bob@acme.example',
  key: 'sk-secret-123',
  keyAlias: '"><script>x</script>',
  maxBudget: 10,
  budgetDuration: '30d',
  models: [],
  expires: null,
};

describe('email templates', () => {
  it('should show the key in both parts and escape every value in the HTML', () => {
    const mail = keyCreatedEmail(BRANDING, FACTS);
    expect(mail.subject).toBe('Acme <AI>: your API key is ready');
    expect(mail.text).toContain('Key: sk-secret-123');
    expect(mail.text).toContain('Budget: $10.00 every 30d');
    expect(mail.html).toContain('sk-secret-123');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).toContain('Acme &lt;AI&gt;');
  });

  it('should leave the key out with EMAIL_INCLUDE_API_KEY=False, and render no logo or support line when unset', () => {
    const mail = keyCreatedEmail({ ...BRANDING, includeApiKey: false }, FACTS);
    expect(mail.text).not.toContain('sk-secret-123');
    expect(mail.html).not.toContain('sk-secret-123');
    expect(mail.html).not.toContain('<img');
    expect(mail.text).not.toContain('Questions?');
  });

  it('should say how much of a budget is used, and that calls are refused at 100 %', () => {
    const warning = budgetAlertEmail(BRANDING, { recipient: 'a@b.example', subject: 'key my-app', spend: 8, maxBudget: 10, percent: 80 });
    expect(warning.subject).toBe('Acme <AI>: key my-app has used 80% of its budget');
    expect(warning.text).not.toContain('refused');
    const reached = budgetAlertEmail(BRANDING, { recipient: 'a@b.example', subject: 'team platform', spend: 10.5, maxBudget: 10, percent: 100 });
    expect(reached.text).toContain('Team platform has reached its budget.');
    expect(reached.text).toContain('refused until the budget resets');
  });
});
