import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const CONFIG = `
general_settings:
  master_key: sk-docs-master
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`;

interface Document {
  info: { title: string; description: string };
  paths: Record<string, Record<string, { tags?: string[] }>>;
  tags?: { name: string }[];
}

interface CatalogedRoute {
  path: string;
  groups: string[];
}

/** LiteLLM's Swagger branding environment, applied to the page and the document. */
describe('Swagger branding (e2e, DOCS_TITLE, DOCS_DESCRIPTION, DOCS_FILTERED, DOCS_URL)', () => {
  let gateway: TestGateway;
  const get = (path: string): Promise<Response> => fetch(`${gateway.url}${path}`, { redirect: 'manual' });

  beforeAll(async () => {
    gateway = await startGateway(CONFIG, {
      env: { DOCS_TITLE: 'Acme LLM Gateway', DOCS_DESCRIPTION: 'The one door to every model at Acme.', DOCS_FILTERED: 'True', DOCS_URL: '/api-docs' },
    });
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  it('should title and describe the document as the environment says', async () => {
    const spec = (await (await get('/openapi.json')).json()) as Document;
    expect(spec.info.title).toBe('Acme LLM Gateway');
    expect(spec.info.description).toBe('The one door to every model at Acme.');
  });

  it('should document only the OpenAI-compatible routes with DOCS_FILTERED', async () => {
    const spec = (await (await get('/openapi.json')).json()) as Document;
    const { routes } = (await (await get('/routes')).json()) as { routes: CatalogedRoute[] };
    const openAi = new Set(routes.filter((route) => route.groups.includes('openai_routes')).map((route) => route.path));
    const documented = Object.keys(spec.paths);
    expect(documented).toEqual(expect.arrayContaining(['/v1/chat/completions', '/chat/completions', '/v1/embeddings', '/v1/models']));
    expect(documented.filter((path) => !openAi.has(path))).toEqual([]);
    for (const path of ['/key/generate', '/team/new', '/metrics', '/health/readiness', '/spend/logs', '/routes']) expect(documented).not.toContain(path);
    const used = new Set(Object.values(spec.paths).flatMap((item) => Object.values(item).flatMap((operation) => operation.tags ?? [])));
    expect((spec.tags ?? []).filter((tag) => !used.has(tag.name))).toEqual([]);
  });

  it('should serve the branded Swagger UI at DOCS_URL, with its page policy, and send / there', async () => {
    const page = await get('/api-docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('<title>Acme LLM Gateway</title>');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const init = await get('/api-docs/swagger-ui-init.js');
    expect(init.status).toBe(200);
    const root = await get('/');
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/api-docs');
    expect((await get('/docs')).status).toBe(404);
  });
});
