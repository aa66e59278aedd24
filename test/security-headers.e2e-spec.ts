import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-headers-master';
const API_HEADERS = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-resource-policy': 'same-origin',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

function config(blockRobots: boolean): string {
  return `general_settings:\n  master_key: ${MASTER_KEY}\n  block_robots: ${blockRobots}\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n`;
}

function securityHeadersOf(response: Response): Record<string, string | null> {
  return Object.fromEntries(Object.keys(API_HEADERS).map((name) => [name, response.headers.get(name)]));
}

describe('Security headers and robots.txt (e2e)', () => {
  let gateway: TestGateway;
  const auth = { authorization: `Bearer ${MASTER_KEY}` };

  beforeAll(async () => {
    gateway = await startGateway(config(true));
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it.each([
    ['a JSON response', '/v1/models', auth, 200],
    ['an error', '/v1/models', {}, 401],
    ['a 404', '/no/such/route', auth, 404],
    ['the metrics', '/metrics', {}, 200],
  ])('should put them on %s', async (_what, path, headers, status) => {
    const response = await fetch(`${gateway.url}${path}`, { headers });
    expect(response.status).toBe(status);
    expect(securityHeadersOf(response)).toEqual(API_HEADERS);
    await response.arrayBuffer();
  });

  it('should put them on an SSE stream', async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'demo', messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    expect(securityHeadersOf(response)).toEqual(API_HEADERS);
    expect(await response.text()).toContain('data: [DONE]');
  });

  it('should let the Swagger UI load its own scripts and styles, and nothing from elsewhere', async () => {
    const page = await fetch(`${gateway.url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    expect(html).toContain('swagger-ui-bundle.js');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    expect(csp).toContain("frame-ancestors 'none'");
    // No inline script, so 'self' suffices for scripts: each one the page loads is served, under the same policy.
    expect(html).not.toMatch(/<script>(?!\s*<\/script>)/);
    const scripts = [...html.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const src of scripts) {
      // Resolved as the browser does, against the page URL.
      const script = await fetch(new URL(src, `${gateway.url}/docs`));
      expect(script.status).toBe(200);
      expect(script.headers.get('content-security-policy')).toBe(csp);
      // Read to the end: an unread 1 MB bundle keeps its response open, and closing the gateway waits for it.
      expect((await script.arrayBuffer()).byteLength).toBeGreaterThan(0);
    }
  });

  it('should serve robots.txt that disallows everything when block_robots is on', async () => {
    const response = await fetch(`${gateway.url}/robots.txt`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(await response.text()).toBe('User-agent: *\nDisallow: /');
    expect(securityHeadersOf(response)).toEqual(API_HEADERS);
  });
});

describe('robots.txt without block_robots (e2e)', () => {
  let gateway: TestGateway;

  beforeAll(async () => {
    gateway = await startGateway(config(false));
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should answer 404 in the OpenAI error shape', async () => {
    const response = await fetch(`${gateway.url}/robots.txt`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: { message: 'Cannot GET /robots.txt', type: 'not_found_error', param: null, code: '404' } });
  });
});
