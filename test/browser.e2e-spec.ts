import type { Browser, Page } from 'playwright-core';
import { describeInBrowser, launchChromium } from './support/browser';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const CONFIG = `
general_settings:
  master_key: sk-browser-master
  enable_public_model_hub: true
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o }
  - model_name: text-embedding-3-small
    litellm_params: { model: mock/text-embedding-3-small }
    model_info: { mode: embedding }
  - model_name: internal-only
    litellm_params: { model: mock/internal-only }
litellm_settings:
  public_model_groups: [gpt-4o, text-embedding-3-small]
  public_model_groups_links:
    "Acme AI policy": https://intranet.acme.example/ai-policy
`;

/** The pages people open, in a real browser: the branded Swagger UI and the public model hub. */
describeInBrowser('pages in Chromium (e2e: Swagger branding, public model hub)', () => {
  let gateway: TestGateway;
  let browser: Browser;
  let page: Page;
  /** What the browser refused or failed on (a CSP violation, a script error, a missing asset). */
  let problems: string[];

  beforeAll(async () => {
    gateway = await startGateway(CONFIG, {
      env: { DOCS_TITLE: 'Acme LLM Gateway', DOCS_DESCRIPTION: 'The one door to every model at Acme.', DOCS_URL: '/api-docs' },
    });
    browser = await launchChromium();
  });

  beforeEach(async () => {
    page = await browser.newPage();
    problems = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
  });

  afterEach(async () => {
    await page?.close();
  });

  afterAll(async () => {
    await browser?.close();
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should render the Swagger UI with the branded title and description, its scripts allowed by the page policy', async () => {
    await page.goto(`${gateway.url}/api-docs`);
    const title = page.locator('.information-container .title');
    await title.waitFor({ timeout: 15_000 });
    expect(await title.textContent()).toContain('Acme LLM Gateway');
    expect(await page.locator('.information-container .description').textContent()).toContain('The one door to every model at Acme.');
    expect(await page.title()).toBe('Acme LLM Gateway');
    // The document loaded (from the same origin, as the policy allows) and its operations are rendered.
    await page.locator('.opblock-summary-path').first().waitFor();
    expect(problems).toEqual([]);
  });

  it('should show the public model groups with provider, mode, context window, prices and capabilities, and nothing else', async () => {
    await page.goto(`${gateway.url}/ui/model_hub_table`);
    expect(await page.title()).toBe('Acme LLM Gateway · Model Hub');
    expect(await page.locator('header p').textContent()).toBe('The one door to every model at Acme.');
    const rows = page.locator('tbody tr');
    expect(await rows.count()).toBe(2);
    const gpt = (await rows.nth(0).locator('td').allTextContents()).map((text) => text.trim());
    expect(gpt[0]).toBe('gpt-4o');
    expect(gpt[1]).toBe('openai');
    expect(gpt[2]).toBe('chat');
    expect(gpt[3]).toBe('128,000');
    expect(gpt[5]).toMatch(/^\$\d+\.\d{2,4}$/);
    expect(gpt[7]).toContain('vision');
    expect(gpt[7]).toContain('function calling');
    expect(await page.locator('body').textContent()).not.toContain('internal-only');
    const link = page.locator('nav a');
    expect(await link.textContent()).toBe('Acme AI policy');
    expect(await link.getAttribute('href')).toBe('https://intranet.acme.example/ai-policy');
    // The page is styled by its own stylesheet, which its Content-Security-Policy admits by hash.
    expect(
      await page
        .locator('th')
        .first()
        .evaluate((cell) => cell.ownerDocument.defaultView?.getComputedStyle(cell).fontWeight),
    ).toBe('600');
    expect(problems).toEqual([]);
  });

  it('should filter the models by a search typed into the page', async () => {
    await page.goto(`${gateway.url}/ui/model_hub_table`);
    await page.fill('input[name=q]', 'embedding');
    await Promise.all([page.waitForURL(/q=embedding/), page.click('button[type=submit]')]);
    const names = await page.locator('tbody tr td:first-child').allTextContents();
    expect(names).toEqual(['text-embedding-3-small']);
    await page.fill('input[name=q]', '<img src=x onerror=alert(1)>');
    await Promise.all([page.waitForURL(/q=/), page.click('button[type=submit]')]);
    expect(await page.locator('.empty').textContent()).toContain('<img src=x onerror=alert(1)>');
    expect(await page.locator('img').count()).toBe(0);
    expect(problems).toEqual([]);
  });
});
