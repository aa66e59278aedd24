import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { apiClient } from './support/api-client';
import { describeInBrowser, launchChromium } from './support/browser';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const ROOT = resolve(__dirname, '..');
const MASTER_KEY = 'sk-admin-ui-master';
const SCREENSHOTS = join(ROOT, 'test-output/ui-screenshots');
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
  enable_public_model_hub: true
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o }
  - model_name: backup
    litellm_params: { model: mock/backup, mock_response: "answered by backup" }
litellm_settings:
  store_audit_logs: true
  public_model_groups: [gpt-4o]
guardrails:
  - guardrail_name: no-secrets-out
    litellm_params: { guardrail: hide-secrets, mode: post_call, default_on: false }
`;

interface Problems {
  list: string[];
}

/**
 * The admin UI at /ui in Chromium against the real gateway (the built ui/dist, served by src/ui), walking the flows
 * of issue 22: log in, create a key and use it with the openai client, add a model with a retry policy, change the
 * routing strategy and fallbacks and see the next call follow them, read the spend chart and the audit rows, and
 * see a viewer refused an edit. Every page is photographed into test-output/ui-screenshots/.
 */
describeInBrowser('Admin UI in Chromium (e2e)', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const problems: Problems = { list: [] };
  const api = apiClient(() => gateway.url, MASTER_KEY);
  /** The plaintext of the key made in the UI, used by later steps. */
  let createdKey = '';

  const shoot = async (name: string): Promise<void> => {
    // From the top, or the fixed header is drawn where the page was scrolled to.
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
  };
  const open = async (path: string, heading: string): Promise<void> => {
    await page.goto(`${gateway.url}/ui${path}`);
    await page.getByRole('heading', { name: heading, exact: true }).waitFor();
  };
  const login = async (username: string, password: string): Promise<void> => {
    await page.goto(`${gateway.url}/ui/`);
    await page.getByLabel('Username').fill(username);
    await page.locator('input[name=password]').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
  };
  /** Waits until the notification of a saved change shows (or fails with the alert the form shows). */
  const saved = async (message: string | RegExp): Promise<void> => {
    await page.getByText(message).first().waitFor({ timeout: 15_000 });
  };

  beforeAll(async () => {
    if (!existsSync(join(ROOT, 'ui/dist/index.html'))) throw new Error('The admin UI is not built: run `npm run build` first (`npm test` does).');
    mkdirSync(SCREENSHOTS, { recursive: true });
    gateway = await startGateway(CONFIG);
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    page = await context.newPage();
    page.setDefaultTimeout(10_000);
    page.on('pageerror', (error) => problems.list.push(`pageerror: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() === 404 || response.status() >= 500) problems.list.push(`${response.status()} ${response.url()}`);
    });
    page.on('console', (message) => {
      // Failed loads are judged by their status below (a refused call the test makes on purpose is a 401/403).
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) problems.list.push(message.text());
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should serve the app at /ui with a strict policy, long-cached assets, client routes and the model hub beside it', async () => {
    const index = await fetch(`${gateway.url}/ui`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    const policy = index.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("script-src 'self';");
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(policy).toContain("frame-ancestors 'none'");
    const html = await index.text();
    expect(html).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/);
    const asset = /src="(\/ui\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(asset).toBeDefined();
    const script = await fetch(`${gateway.url}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(script.headers.get('content-type')).toContain('javascript');
    // A client route is the same page; an unknown asset is a 404, never the page (a script must not get HTML).
    const route = await fetch(`${gateway.url}/ui/keys`);
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(html);
    expect((await fetch(`${gateway.url}/ui/assets/missing-0000.js`)).status).toBe(404);
    expect((await fetch(`${gateway.url}/ui/assets/..%2Fpackage.json`)).status).toBe(404);
    // The public model hub keeps its own page under /ui.
    const hub = await fetch(`${gateway.url}/ui/model_hub_table`);
    expect(hub.status).toBe(200);
    expect(await hub.text()).toContain('gpt-4o');
  });

  it('should have committed API types that match the live /openapi.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tollgate-ui-api-'));
    try {
      const spec = join(dir, 'openapi.json');
      writeFileSync(spec, await (await fetch(`${gateway.url}/openapi.json`)).text());
      // Exits 1 (and says to run `npm run ui:api`) when ui/src/api/schema.d.ts differs from what the spec gives.
      execFileSync(process.execPath, [join(ROOT, 'ui/scripts/generate-api.mjs'), '--spec', spec, '--check'], { stdio: 'pipe' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('should send a visitor without a session to the login page, refuse a wrong password and log the admin in', async () => {
    await page.goto(`${gateway.url}/ui/models`);
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/ui/login');
    await shoot('01-login');
    await page.getByLabel('Username').fill('admin');
    await page.locator('input[name=password]').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').waitFor();
    await login('admin', MASTER_KEY);
    expect(await page.getByTestId('role').textContent()).toBe('proxy_admin');
  });

  it('should create a key with budget, models, TPM/RPM and expiry, show it once, and the key works with the openai client', async () => {
    await open('/keys', 'Keys');
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('form', { name: 'Create key' });
    await form.getByLabel('Alias', { exact: true }).fill('ui-made-key');
    await form.getByLabel('Models', { exact: true }).fill('gpt-4o, backup');
    await form.getByLabel('Max budget (USD)', { exact: true }).fill('25');
    await form.getByLabel('TPM limit', { exact: true }).fill('100000');
    await form.getByLabel('RPM limit', { exact: true }).fill('600');
    await form.getByLabel('Expires after', { exact: true }).fill('30d');
    await form.getByLabel('Tags', { exact: true }).fill('ui-test');
    await shoot('02-key-create');
    await form.getByRole('button', { name: 'Create' }).click();
    createdKey = (await page.getByTestId('new-key').textContent()) ?? '';
    expect(createdKey).toMatch(/^sk-/);
    await shoot('03-key-shown-once');
    await page.getByRole('button', { name: 'Done' }).click();
    const row = page.getByRole('row', { name: /ui-made-key/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('$25.00');

    // The server has what the form said.
    const info = await api.get<{ info: { max_budget: number; tpm_limit: number; rpm_limit: number; models: string[]; expires: string | null } }>(
      `/key/info?key=${encodeURIComponent(createdKey)}`,
    );
    expect(info.body.info).toMatchObject({ max_budget: 25, tpm_limit: 100000, rpm_limit: 600, models: ['gpt-4o', 'backup'] });
    const expires = Date.parse(info.body.info.expires ?? '');
    expect(Math.abs(expires - (Date.now() + 30 * 86_400_000))).toBeLessThan(3_600_000);

    // …and the key works with the openai client, for its models only.
    const client = new OpenAI({ apiKey: createdKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'gpt-4o', messages: [{ role: 'user', content: 'hello from the UI test' }] });
    expect(answer.choices[0].message.content).toBeTruthy();
    await expect(client.chat.completions.create({ model: 'not-allowed-model', messages: [{ role: 'user', content: 'x' }] })).rejects.toMatchObject({ status: expect.any(Number) });
    await shoot('04-keys');
  });

  it('should add a model with a write-only credential and a retry policy for its group', async () => {
    await open('/models', 'Models');
    await page.getByRole('button', { name: 'Add model' }).click();
    const form = page.getByRole('form', { name: 'Add model' });
    await form.getByLabel(/^Model group/).fill('ui-model');
    await form.getByLabel(/^Provider model/).fill('mock/ui-model');
    await form.getByLabel('API key', { exact: true }).fill('sk-upstream-secret-from-ui');
    await form.getByLabel('RPM', { exact: true }).fill('60');
    await form.getByLabel(/^Retry policy/).fill('{"RateLimitErrorRetries": 4, "TimeoutErrorRetries": 1}');
    // Tried before it is saved: one minimal call to the deployment as typed.
    await form.getByRole('button', { name: 'Test connection' }).click();
    expect(await form.getByTestId('form-check').textContent()).toContain('Connection works');
    await form.getByRole('button', { name: 'Add' }).click();
    await saved('Model added');
    const row = page.getByRole('row', { name: /ui-model/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('database');
    await shoot('05-models');

    const models = await api.get<{ data: { model_name: string; litellm_params?: Record<string, unknown> }[] }>('/v2/model/info');
    const added = models.body.data.find((model) => model.model_name === 'ui-model');
    expect(added?.litellm_params?.model).toBe('mock/ui-model');
    expect(JSON.stringify(models.body)).not.toContain('sk-upstream-secret-from-ui');
    const router = await api.get<{ current_values: { model_group_retry_policy?: Record<string, unknown> } }>('/router/settings');
    expect(router.body.current_values.model_group_retry_policy?.['ui-model']).toEqual({ RateLimitErrorRetries: 4, TimeoutErrorRetries: 1 });

    // The new deployment serves calls at once.
    const client = new OpenAI({ apiKey: MASTER_KEY, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const answer = await client.chat.completions.create({ model: 'ui-model', messages: [{ role: 'user', content: 'hi' }] });
    expect(answer.choices[0].message.content).toBeTruthy();

    // Health of one model group, from the page.
    await page.getByRole('button', { name: 'Actions for ui-model' }).click();
    await page.getByRole('menuitem', { name: 'Check health' }).click();
    await page.getByText(/1 healthy, 0 unhealthy/).waitFor();
  });

  it('should change the routing strategy and the fallbacks, and the next call follows them', async () => {
    const client = new OpenAI({ apiKey: createdKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    const failing = { model: 'gpt-4o', messages: [{ role: 'user' as const, content: 'fail over please' }], mock_testing_fallbacks: true };
    // Before: no fallback for gpt-4o, so the simulated failure reaches the caller.
    await expect(client.chat.completions.create(failing)).rejects.toMatchObject({ status: expect.any(Number) });

    await open('/router', 'Router settings');
    const strategy = page.getByRole('combobox', { name: 'routing_strategy' });
    await strategy.click();
    await page.getByRole('option', { name: 'least-busy' }).click();
    await page.getByLabel('fallbacks', { exact: true }).fill('[{"gpt-4o": ["backup"]}]');
    await page.getByLabel('allowed_fails', { exact: true }).fill('5');
    await shoot('06-router-settings');
    await page.getByRole('button', { name: 'Save router settings' }).click();
    await saved(/Router settings saved/);

    const router = await api.get<{ current_values: Record<string, unknown> }>('/router/settings');
    expect(router.body.current_values).toMatchObject({ routing_strategy: 'least-busy', fallbacks: [{ 'gpt-4o': ['backup'] }], allowed_fails: 5 });
    // After: the same call is answered by the fallback the page set.
    const answer = await client.chat.completions.create(failing);
    expect(answer.choices[0].message.content).toBe('answered by backup');
  });

  it('should chart spend by day, model, key, team, tag and end user, with a CSV export', async () => {
    // The ledger is written behind the call: wait until the key's spend is in the reports.
    for (let i = 0; i < 50; i++) {
      const byModel = await api.get<{ model: string }[]>('/global/spend/models');
      if (byModel.body.some((row) => row.model === 'gpt-4o')) break;
      await new Promise((done) => setTimeout(done, 200));
    }
    await open('/spend', 'Spend');
    const byModel = page.getByTestId('chart-By model');
    await byModel.locator('.recharts-bar-rectangle, .recharts-rectangle').first().waitFor({ timeout: 15_000 });
    expect(await byModel.textContent()).toContain('gpt-4o');
    expect(await page.getByTestId('chart-By key').textContent()).toContain('ui-made-key');
    await page.getByTestId('chart-Spend by day').locator('.recharts-bar-rectangle, .recharts-rectangle').first().waitFor();
    // The calls themselves, a server page at a time.
    await page
      .getByRole('table', { name: 'spend-logs' })
      .getByRole('row', { name: /gpt-4o.*success/ })
      .first()
      .waitFor();
    await shoot('07-spend');
    const href = await page.getByRole('link', { name: 'Export CSV' }).getAttribute('href');
    const csv = await page.evaluate(async (url) => (await fetch(url!)).text(), href);
    expect(csv.split('\n')[0]).toContain('request_id');
    expect(csv).toContain('gpt-4o');
  });

  it('should list the audit row of each change with its detail and the chain verified', async () => {
    await open('/audit', 'Audit log');
    await page.getByTestId('chain-status').waitFor();
    expect(await page.getByTestId('chain-status').textContent()).toMatch(/chain verified/);
    const table = page.getByRole('table', { name: 'audit' });
    for (const [tableName, action] of [
      ['LiteLLM_VerificationToken', 'created'],
      ['LiteLLM_ProxyModelTable', 'created'],
      ['LiteLLM_Config', 'updated'],
    ] as const) {
      await page.getByLabel('table_name').fill(tableName);
      await table
        .getByRole('row', { name: new RegExp(`${tableName}.*${action}`) })
        .first()
        .waitFor();
    }
    await page.getByLabel('table_name').fill('');
    await table
      .getByRole('row', { name: /LiteLLM_Config/ })
      .first()
      .waitFor();
    await shoot('08-audit');
    await page.getByLabel('table_name').fill('LiteLLM_VerificationToken');
    await table
      .getByRole('row', { name: /LiteLLM_VerificationToken/ })
      .first()
      .getByRole('button', { name: 'Detail' })
      .click();
    const detail = page.getByTestId('audit-detail');
    await detail.waitFor();
    expect(await detail.textContent()).toContain('ui-made-key');
    await shoot('08-audit-detail');
  });

  it('should search keys on the server, and create a team with a member and a role', async () => {
    await open('/keys', 'Keys');
    await page.getByLabel('Search by alias').fill('ui-made-key');
    await page.getByRole('row', { name: /ui-made-key/ }).waitFor();
    await page.getByLabel('Search by alias').fill('no-such-alias');
    await page.getByText('Nothing here yet.').waitFor();

    await open('/teams', 'Teams');
    await page.getByRole('button', { name: 'Create team' }).click();
    const form = page.getByRole('form', { name: 'Create team' });
    await form.getByLabel('Team id', { exact: true }).fill('ui-team');
    await form.getByLabel('Alias', { exact: true }).fill('UI Team');
    await form.getByLabel('Max budget (USD)', { exact: true }).fill('100');
    await form.getByRole('button', { name: 'Create' }).click();
    await saved('Team created');
    await page
      .getByRole('row', { name: /UI Team/ })
      .getByRole('button', { name: 'Actions' })
      .click();
    await page.getByRole('menuitem', { name: 'Add member' }).click();
    const member = page.getByRole('form', { name: 'Add a member to UI Team' });
    await member.getByLabel('User id', { exact: true }).fill('ui-viewer-teammate');
    await member.getByRole('combobox', { name: /Role/ }).click();
    await page.getByRole('option', { name: 'admin' }).click();
    await member.getByRole('button', { name: 'Add' }).click();
    await saved('Member added');
    await page.getByRole('row', { name: /ui-viewer-teammate \(admin\)/ }).waitFor();
    const team = await api.get<{ team_info: { members_with_roles: { user_id: string; role: string }[]; max_budget: number } }>('/team/info?team_id=ui-team');
    expect(team.body.team_info.max_budget).toBe(100);
    expect(team.body.team_info.members_with_roles).toContainEqual(expect.objectContaining({ user_id: 'ui-viewer-teammate', role: 'admin' }));
  });

  it('should photograph the other pages with their data', async () => {
    for (const [path, heading, name] of [
      ['/teams', 'Teams', '09-teams'],
      ['/users', 'Users', '10-users'],
      ['/organizations', 'Organizations', '11-organizations'],
      ['/customers', 'End users', '12-end-users'],
      ['/budgets', 'Budgets', '13-budgets'],
      ['/guardrails', 'Guardrails', '14-guardrails'],
    ] as const) {
      await open(path, heading);
      await page.waitForLoadState('networkidle');
      await shoot(name);
    }
    // The loaded guardrail, where it applies.
    expect(await page.getByRole('row', { name: /no-secrets-out/ }).textContent()).toContain('hide-secrets');
    await page.goto(`${gateway.url}/ui/models`);
    await page.getByRole('tab', { name: 'Analytics' }).click();
    // Per-model analytics from the ledger: the calls made above, with their latency, and a daily chart.
    const gpt = page.getByRole('table', { name: 'model-analytics' }).getByRole('row', { name: /^gpt-4o/ });
    await gpt.waitFor();
    expect(Number((await gpt.locator('td').nth(1).textContent()) ?? '0')).toBeGreaterThanOrEqual(1);
    await page.getByRole('combobox', { name: 'Daily figures for' }).click();
    await page.getByRole('option', { name: 'gpt-4o', exact: true }).click();
    await page.getByText('gpt-4o: requests and failures per day').waitFor();
    await page.waitForLoadState('networkidle');
    await shoot('15-model-analytics');
  });

  it('should let an internal user manage their own keys only', async () => {
    const made = await api.post('/user/new', { user_id: 'ui-internal', user_role: 'internal_user', password: 'internal-password-1', auto_create_key: false });
    expect(made.status).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await login('ui-internal', 'internal-password-1');
    expect(await page.getByTestId('role').textContent()).toBe('internal_user');
    // The admin's key is not theirs: not listed. Their own is, once made here.
    await page.getByText('Nothing here yet.').waitFor();
    await page.getByRole('button', { name: 'Create key' }).click();
    const form = page.getByRole('form', { name: 'Create key' });
    await form.getByLabel('Alias', { exact: true }).fill('internal-own-key');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByTestId('new-key').waitFor();
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('row', { name: /internal-own-key/ }).waitFor();
    expect(await page.getByRole('row', { name: /ui-made-key/ }).count()).toBe(0);
    const keys = await api.get<{ keys: { key_alias: string | null; user_id: string | null }[] }>('/key/list?return_full_object=true&user_id=ui-internal');
    expect(keys.body.keys.map((key) => key.key_alias)).toEqual(['internal-own-key']);
    // No team to create for them.
    await open('/teams', 'Teams');
    expect(await page.getByRole('button', { name: 'Create team' }).count()).toBe(0);
    await shoot('16-internal-user-teams');
  });

  it('should show a viewer no edit controls, and the server refuses the edit the viewer tries anyway', async () => {
    const made = await api.post('/user/new', { user_id: 'ui-viewer', user_email: 'viewer@example.com', user_role: 'proxy_admin_viewer', password: 'viewer-password-1' });
    expect(made.status).toBe(200);
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('button', { name: 'Log in' }).waitFor();
    await login('viewer@example.com', 'viewer-password-1');
    expect(await page.getByTestId('role').textContent()).toBe('proxy_admin_viewer');
    // The viewer sees the keys, without the controls to change them.
    await page.getByRole('row', { name: /ui-made-key/ }).waitFor();
    expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
    expect(await page.getByRole('button', { name: /^Actions for/ }).count()).toBe(0);
    await open('/router', 'Router settings');
    await page.getByText('Read-only: only a proxy admin changes router settings.').waitFor();
    expect(await page.getByRole('button', { name: 'Save router settings' }).count()).toBe(0);
    await shoot('17-viewer-router-settings');

    // The edit the page hides, sent anyway with the viewer's session and CSRF token: the server refuses it.
    const refused = await page.evaluate(async () => {
      const info = (await (await fetch('/session/info')).json()) as { csrf_token: string };
      const response = await fetch('/config/update', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': info.csrf_token },
        body: JSON.stringify({ router_settings: { routing_strategy: 'simple-shuffle' } }),
      });
      const key = await fetch('/key/generate', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': info.csrf_token }, body: '{}' });
      return [response.status, key.status];
    });
    // 401 as LiteLLM answers a role that may not change this (the session itself stays valid), or 403.
    expect(refused.every((status) => status === 401 || status === 403)).toBe(true);
    expect(await page.evaluate(async () => (await fetch('/session/info')).status)).toBe(200);
    const router = await api.get<{ current_values: Record<string, unknown> }>('/router/settings');
    expect(router.body.current_values.routing_strategy).toBe('least-busy');
  });

  it('should have run every page without a script error', () => {
    expect(problems.list).toEqual([]);
  });
});
