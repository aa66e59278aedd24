import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { apiClient, type Json } from './support/api-client';
import { excerpt, type FuzzFinding, inParallel, problemWith, sendRaw } from './support/fuzz-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { FUZZ_SEED, hostileBody, hostileQuery, hostileString, percentEncode, toJsonText } from './support/hostile-input';

/**
 * Hostile bodies on every POST route `GET /routes` lists (and hostile query strings on every GET route), sent as
 * the master key, as an internal user's key and as a team key. Every answer must be below 500, in the OpenAI
 * error shape when it is an error, and free of stack frames, file paths and SQL; and the non-admin callers must
 * come out of it with nothing they did not hold before. The seed is fixed, so CI replays the same requests.
 */
const MASTER_KEY = 'sk-fuzz-master-0f3a';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
  store_model_in_db: true
litellm_settings:
  store_audit_logs: true
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: embed
    litellm_params: { model: mock/embed }
    model_info: { mode: embedding }
`;

/** Runs per route and caller: management POSTs get the most, LLM POSTs (many aliases of few handlers) and GETs fewer. */
const RUNS = { managementPost: 25, llmPost: 4, get: 8 } as const;
const CONCURRENCY = 4;

/** Query parameters of routes the OpenAPI document does not describe (the audit API reads its query by hand). */
const UNDOCUMENTED_QUERY: Record<string, readonly string[]> = {
  '/audit': ['page', 'page_size', 'changed_by', 'changed_by_api_key', 'table_name', 'object_id', 'action', 'start_date', 'end_date', 'sort_by', 'sort_order'],
  '/audit/export': ['format', 'changed_by', 'table_name', 'object_id', 'action', 'start_date', 'end_date'],
  '/audit/verify': ['head_seq', 'head_hash'],
};
/** Body fields of routes whose body is read by hand (no DTO in the OpenAPI document). */
const UNDOCUMENTED_BODY: Record<string, readonly string[]> = {
  '/model/new': ['model_name', 'litellm_params', 'model_info'],
  '/model/update': ['model_name', 'litellm_params', 'model_info', 'id', 'model_id'],
  '/model/delete': ['id', 'model_id'],
};
/** Routes that end the fuzz's own fixtures or the audit log; they are fuzzed by the dedicated suites. */
const SKIPPED = new Set<string>([]);

interface CatalogRoute {
  path: string;
  methods: string[];
  routeClass: string;
  audited?: string;
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { parameters?: { name: string; in: string }[]; requestBody?: { content?: Record<string, { schema?: { $ref?: string } }> } }>>;
  components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const seedOf = (text: string): number => FUZZ_SEED ^ parseInt(sha256(text).slice(0, 8), 16);

describe('Admin API fuzz: hostile input on every route, as admin, internal user and team key (e2e)', () => {
  let gateway: TestGateway;
  const { post, get } = apiClient(() => gateway.url, MASTER_KEY);
  const findings: FuzzFinding[] = [];
  let requests = 0;
  /** Refusals (401/403) at audited routes: each must leave a `denied` audit row, whatever the request held. */
  let auditedRefusals = 0;
  let routesFuzzed = 0;
  let fixtures: {
    internalKey: string;
    teamKey: string;
    siblingToken: string;
    carolToken: string;
    known: string[];
  };
  let postRoutes: { template: string; fields: readonly string[]; llm: boolean; audited: boolean }[] = [];
  let getRoutes: { template: string; query: readonly string[] }[] = [];

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    for (const user of ['fuzz-alice', 'fuzz-bob', 'fuzz-carol']) {
      expect((await post('/user/new', { user_id: user, user_role: 'internal_user', auto_create_key: false })).status).toBe(200);
    }
    expect((await post('/organization/new', { organization_id: 'fuzz-org', max_budget: 100 })).status).toBe(200);
    expect((await post('/team/new', { team_id: 'fuzz-team', models: ['demo'], max_budget: 50, members_with_roles: [{ role: 'admin', user_id: 'fuzz-bob' }] })).status).toBe(200);
    expect((await post('/team/new', { team_id: 'fuzz-other-team', max_budget: 500, members_with_roles: [{ role: 'admin', user_id: 'fuzz-carol' }] })).status).toBe(200);
    expect((await post('/budget/new', { budget_id: 'fuzz-budget', max_budget: 10 })).status).toBe(200);
    expect((await post('/customer/new', { user_id: 'fuzz-customer', max_budget: 10 })).status).toBe(200);
    const key = async (body: Json): Promise<{ key: string; token: string }> => {
      const { status, body: created } = await post<{ key: string; token: string }>('/key/generate', body);
      expect(status).toBe(200);
      return created;
    };
    const internal = await key({ user_id: 'fuzz-alice', models: ['demo'], max_budget: 5, duration: '1d' });
    const sibling = await key({ user_id: 'fuzz-alice' });
    const team = await key({ user_id: 'fuzz-bob', team_id: 'fuzz-team', models: ['demo'], max_budget: 5 });
    const carol = await key({ user_id: 'fuzz-carol', team_id: 'fuzz-other-team' });
    fixtures = {
      internalKey: internal.key,
      teamKey: team.key,
      siblingToken: sibling.token,
      carolToken: carol.token,
      // Ids of real objects, so that hostile requests also aim at something that exists (never the callers' own keys).
      known: [
        'fuzz-alice',
        'fuzz-bob',
        'fuzz-carol',
        'fuzz-team',
        'fuzz-other-team',
        'fuzz-org',
        'fuzz-budget',
        'fuzz-customer',
        'demo',
        sibling.token,
        carol.token,
        'proxy_admin',
        'admin',
      ],
    };

    const catalog = (await get<{ routes: CatalogRoute[] }>('/routes')).body.routes;
    const openApi = (await get<OpenApiDocument>('/openapi.json')).body as unknown as OpenApiDocument;
    const fieldsOf = (path: string): readonly string[] => {
      const ref = openApi.paths[path]?.post?.requestBody?.content?.['application/json']?.schema?.$ref;
      const schema = ref ? openApi.components.schemas[ref.split('/').pop() as string] : undefined;
      return UNDOCUMENTED_BODY[path] ?? Object.keys(schema?.properties ?? {});
    };
    const queryOf = (path: string): readonly string[] =>
      UNDOCUMENTED_QUERY[path] ?? (openApi.paths[path]?.get?.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
    const fuzzed = catalog.filter((route) => route.routeClass !== 'public' && !SKIPPED.has(route.path));
    postRoutes = fuzzed
      .filter((route) => route.methods.includes('POST'))
      .map((route) => ({ template: route.path, fields: fieldsOf(route.path), llm: route.routeClass === 'llm', audited: route.audited !== undefined }));
    getRoutes = fuzzed.filter((route) => route.methods.includes('GET')).map((route) => ({ template: route.path, query: queryOf(route.path) }));
  });

  afterAll(async () => {
    if (process.env.FUZZ_REPORT) {
      const fivexx = findings.filter((finding) => finding.status >= 500);
      process.stdout.write(
        `admin-api fuzz: ${requests} requests over ${postRoutes.length} POST and ${getRoutes.length} GET routes, ${routesFuzzed} route×caller runs, ${auditedRefusals} audited refusals, ${findings.length} findings (${fivexx.length} 5xx)\n`,
      );
      for (const finding of findings) process.stdout.write(`${JSON.stringify(finding)}\n`);
    }
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  /** A path with each `{param}` replaced by a hostile value or a known id. */
  const pathArbitrary = (template: string): fc.Arbitrary<string> => {
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((match) => match[0]);
    if (!names.length) return fc.constant(template);
    const segment = fc.oneof(
      hostileString.filter((text) => text.length > 0 && text.length < 400),
      fc.constantFrom(...fixtures.known),
    );
    return fc
      .array(segment, { minLength: names.length, maxLength: names.length })
      .map((values) => names.reduce((path, name, at) => path.replace(name, percentEncode(values[at])), template));
  };

  async function fuzzRoutes(caller: string, auth: string): Promise<void> {
    const tasks: (() => Promise<void>)[] = [];
    for (const route of postRoutes) {
      const runs = route.llm ? RUNS.llmPost : RUNS.managementPost;
      const samples = fc.sample(fc.tuple(pathArbitrary(route.template), hostileBody(route.fields, fixtures.known)), {
        seed: seedOf(`${caller} POST ${route.template}`),
        numRuns: runs,
      });
      routesFuzzed++;
      for (const [path, body] of samples) tasks.push(() => judged(caller, auth, 'POST', path, toJsonText(body), route.audited));
    }
    for (const route of getRoutes) {
      const samples = fc.sample(fc.tuple(pathArbitrary(route.template), hostileQuery(route.query, fixtures.known)), {
        seed: seedOf(`${caller} GET ${route.template}`),
        numRuns: RUNS.get,
      });
      routesFuzzed++;
      for (const [path, query] of samples) tasks.push(() => judged(caller, auth, 'GET', `${path}?${query}`));
    }
    await inParallel(tasks, CONCURRENCY);
  }

  async function judged(caller: string, auth: string, method: 'GET' | 'POST', path: string, jsonText?: string, audited = false): Promise<void> {
    requests++;
    const answer = await sendRaw(gateway.url, method, path, auth, jsonText);
    if (audited && (answer.status === 401 || answer.status === 403)) auditedRefusals++;
    const requestText = `${decodeURIComponentSafe(path)} ${jsonText ?? ''}`;
    const problem = problemWith(answer, requestText, path);
    if (problem) findings.push({ caller, method, path: excerpt(path, 120), status: answer.status, problem, request: excerpt(jsonText ?? ''), answer: excerpt(answer.text) });
  }

  function report(): string {
    return findings
      .slice(0, 15)
      .map((f) => `${f.caller} ${f.method} ${f.path} → ${f.status} (${f.problem})\n  request: ${f.request}\n  answer: ${f.answer}`)
      .join('\n');
  }

  /** What non-admin callers must not be able to change: admin users, other keys, teams' grants, users' roles. */
  async function privilegedState(): Promise<Json> {
    const admins = await Promise.all(
      ['proxy_admin', 'proxy_admin_viewer', 'org_admin'].map(async (role) =>
        (await get<{ users: Json[] }>(`/user/list?role=${role}&page_size=100`)).body.users.map((user) => user.user_id).sort(),
      ),
    );
    // The callers' own keys, their users and the team key's team legitimately gain spend from the fuzz's LLM calls.
    const keyGrant = async (token: string, withSpend: boolean): Promise<Json> => {
      const { status, body } = await get<{ info: Json }>(`/key/info?key=${token}`);
      if (status !== 200) return { status };
      const { spend, max_budget, models, blocked, expires, rpm_limit, tpm_limit, user_id, team_id, key_name } = body.info;
      return { max_budget, models, blocked, expires, rpm_limit, tpm_limit, user_id, team_id, key_name, ...(withSpend ? { spend } : {}) };
    };
    const teamGrant = async (teamId: string, members: boolean): Promise<Json> => {
      const { status, body } = await get<{ team_info: Json }>(`/team/info?team_id=${teamId}`);
      if (status !== 200) return { status };
      const { models, max_budget, blocked, tpm_limit, rpm_limit, spend, organization_id, members_with_roles } = body.team_info;
      // The team key's user administers its team: members may change there, spend grows with its calls.
      return { models, max_budget, blocked, tpm_limit, rpm_limit, organization_id, ...(members ? { members_with_roles, spend } : {}) };
    };
    const userGrant = async (userId: string): Promise<Json> => {
      const { status, body } = await get<{ user_info: Json }>(`/user/info?user_id=${userId}`);
      if (status !== 200) return { status };
      const { user_role, max_budget, models, tpm_limit, rpm_limit } = body.user_info;
      return { user_role, max_budget, models, tpm_limit, rpm_limit };
    };
    return {
      admins,
      sibling: await keyGrant(fixtures.siblingToken, true),
      carol: await keyGrant(fixtures.carolToken, true),
      internalKey: await keyGrant(sha256(fixtures.internalKey), false),
      teamKey: await keyGrant(sha256(fixtures.teamKey), false),
      team: await teamGrant('fuzz-team', false),
      otherTeam: await teamGrant('fuzz-other-team', true),
      users: await Promise.all(['fuzz-alice', 'fuzz-bob', 'fuzz-carol'].map(userGrant)),
      organization: (await get(`/organization/info?organization_id=fuzz-org`)).body,
    };
  }

  /** Admin-only operations the non-admin callers must still be refused after the fuzz. */
  async function assertStillRefused(auth: string): Promise<void> {
    // A fresh target: the master key's own fuzz may have rotated or deleted the fixtures' keys.
    const target = (await post<{ token: string }>('/key/generate', { user_id: 'fuzz-carol' })).body.token;
    const attempts: [string, unknown][] = [
      ['/user/new', { user_id: 'fuzz-escalated', user_role: 'proxy_admin' }],
      ['/user/update', { user_id: 'fuzz-alice', user_role: 'proxy_admin' }],
      ['/team/update', { team_id: 'fuzz-team', max_budget: 1e6 }],
      ['/key/generate', { max_budget: 1e6 }],
      ['/key/regenerate', { key: target }],
      ['/key/delete', { keys: [target] }],
      ['/organization/new', { organization_id: 'fuzz-escalated-org' }],
    ];
    for (const [path, body] of attempts) {
      const { status } = await post(path, body, auth);
      expect({ path, refused: [400, 401, 403].includes(status) }).toEqual({ path, refused: true });
    }
    expect([401, 403]).toContain((await get('/user/list', auth)).status);
    expect([401, 403]).toContain((await get('/audit', auth)).status);
  }

  it('should serve every hostile request of the non-admin callers below 500 and leak nothing, and they gain nothing', async () => {
    const before = await privilegedState();
    await fuzzRoutes('internal-user', fixtures.internalKey);
    await fuzzRoutes('team-key', fixtures.teamKey);
    expect(report()).toBe('');
    expect(await privilegedState()).toEqual(before);
    // Denied rows are written after the answer: wait for them (NUL bytes and deep nesting once lost them).
    const deniedRows = async (): Promise<number> => (await get<{ total: number }>('/audit?action=denied&page_size=1')).body.total;
    for (let waited = 0; waited < 5_000 && (await deniedRows()) < auditedRefusals; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(auditedRefusals).toBeGreaterThan(100);
    expect(await deniedRows()).toBe(auditedRefusals);
    await assertStillRefused(fixtures.internalKey);
    await assertStillRefused(fixtures.teamKey);
  });

  it('should serve every hostile request of the master key below 500 and leak nothing', async () => {
    await fuzzRoutes('master', MASTER_KEY);
    expect(report()).toBe('');
    expect((await sendRaw(gateway.url, 'GET', '/health/liveliness', MASTER_KEY)).status).toBe(200);
    await assertStillRefused(fixtures.internalKey);
    await assertStillRefused(fixtures.teamKey);
  });
});

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
