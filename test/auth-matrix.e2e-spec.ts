import { apiClient } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-matrix-master';

type Principal = 'no key' | 'bad key' | 'expired' | 'blocked' | 'internal user' | 'team admin' | 'proxy admin' | 'master key';
const PRINCIPALS: readonly Principal[] = ['no key', 'bad key', 'expired', 'blocked', 'internal user', 'team admin', 'proxy admin', 'master key'];

/**
 * Who may get past authentication and the route guards, written by hand from LiteLLM's route groups (§1.6, §2.0
 * step 10) rather than derived from the code under test:
 * - public: everyone, even without a key;
 * - llm: any valid key;
 * - own: internal users manage their own keys and read their own spend, user and teams (services then limit
 *   them to what is theirs), and team admins manage their team's members;
 * - admin: proxy admins and the master key only.
 */
type Policy = 'public' | 'llm' | 'own' | 'admin';
const POLICY: Record<string, Policy> = {
  'GET /': 'public',
  'GET /health/liveliness': 'public',
  'GET /health/liveness': 'public',
  'GET /health/readiness': 'public',
  'GET /metrics': 'public',
  'GET /routes': 'public',
  'GET /robots.txt': 'public',
  'GET /public/model_hub': 'public',
  'GET /public/model_hub/info': 'public',
  'GET /ui/model_hub_table': 'public',
  // The admin UI's page and assets (its data comes from the API, with the caller's own rights).
  'GET /ui': 'public',
  'GET /ui/*': 'public',
  'GET /ui/assets/{name}': 'public',
  'POST /model_group/make_public': 'admin',
  // Admin UI login: public routes that check credentials or the session cookie themselves.
  'POST /v2/login': 'public',
  'POST /login': 'public',
  'GET /session/info': 'public',
  'POST /logout': 'public',
  'POST /config/update': 'admin',
  'GET /config/field/info': 'admin',
  'POST /config/field/update': 'admin',
  'POST /config/field/delete': 'admin',
  'GET /config/list': 'admin',
  'GET /get/config/callbacks': 'admin',
  'GET /active/callbacks': 'admin',
  'GET /router/settings': 'admin',

  'POST /chat/completions': 'llm',
  'POST /v1/chat/completions': 'llm',
  'POST /engines/{model}/chat/completions': 'llm',
  'POST /openai/deployments/{model}/chat/completions': 'llm',
  'POST /completions': 'llm',
  'POST /v1/completions': 'llm',
  'POST /engines/{model}/completions': 'llm',
  'POST /openai/deployments/{model}/completions': 'llm',
  'POST /embeddings': 'llm',
  'POST /v1/embeddings': 'llm',
  'POST /engines/{model}/embeddings': 'llm',
  'POST /openai/deployments/{model}/embeddings': 'llm',
  'POST /v1/messages': 'llm',
  'POST /anthropic/v1/messages': 'llm',
  'POST /v1/messages/count_tokens': 'llm',
  'POST /anthropic/v1/messages/count_tokens': 'llm',
  'GET /models': 'llm',
  'GET /v1/models': 'llm',
  'GET /models/{model}': 'llm',
  'GET /v1/models/{model}': 'llm',
  'GET /model/info': 'llm',
  'GET /v1/model/info': 'llm',
  'GET /v2/model/info': 'llm',
  'GET /model_group/info': 'llm',
  'GET /health/readiness/details': 'llm',
  'GET /guardrails/list': 'llm',

  'GET /health': 'admin',
  'POST /model/new': 'admin',
  'POST /health/test_connection': 'admin',
  'POST /model/update': 'admin',
  'POST /model/delete': 'admin',
  'POST /images/generations': 'llm',
  'POST /v1/images/generations': 'llm',
  'POST /openai/deployments/{model}/images/generations': 'llm',
  'POST /audio/speech': 'llm',
  'POST /v1/audio/speech': 'llm',
  'POST /openai/deployments/{model}/audio/speech': 'llm',
  'POST /audio/transcriptions': 'llm',
  'POST /v1/audio/transcriptions': 'llm',
  'POST /openai/deployments/{model}/audio/transcriptions': 'llm',
  'POST /moderations': 'llm',
  'POST /v1/moderations': 'llm',
  'POST /rerank': 'llm',
  'POST /v2/rerank': 'llm',
  'POST /v1/rerank': 'llm',
  'POST /files': 'llm',
  'POST /v1/files': 'llm',
  'GET /files': 'llm',
  'GET /v1/files': 'llm',
  'GET /files/{fileId}': 'llm',
  'GET /v1/files/{fileId}': 'llm',
  'GET /files/{fileId}/content': 'llm',
  'GET /v1/files/{fileId}/content': 'llm',
  'DELETE /files/{fileId}': 'llm',
  'DELETE /v1/files/{fileId}': 'llm',
  'POST /responses': 'llm',
  'POST /v1/responses': 'llm',
  'POST /openai/responses': 'llm',
  'GET /responses/{responseId}': 'llm',
  'GET /v1/responses/{responseId}': 'llm',
  'GET /openai/responses/{responseId}': 'llm',
  'DELETE /responses/{responseId}': 'llm',
  'DELETE /v1/responses/{responseId}': 'llm',
  'DELETE /openai/responses/{responseId}': 'llm',
  'GET /responses/{responseId}/input_items': 'llm',
  'GET /v1/responses/{responseId}/input_items': 'llm',
  'GET /openai/responses/{responseId}/input_items': 'llm',
  'POST /batches': 'llm',
  'POST /v1/batches': 'llm',
  'GET /batches': 'llm',
  'GET /v1/batches': 'llm',
  'GET /batches/{batchId}': 'llm',
  'GET /v1/batches/{batchId}': 'llm',
  'POST /batches/{batchId}/cancel': 'llm',
  'POST /v1/batches/{batchId}/cancel': 'llm',
  'GET /realtime': 'llm',
  'GET /v1/realtime': 'llm',

  'POST /key/generate': 'own',
  'POST /key/update': 'own',
  'POST /key/delete': 'own',
  'GET /key/info': 'own',
  'POST /v2/key/info': 'own',
  'GET /key/list': 'own',
  'POST /key/regenerate': 'own',
  'POST /key/{key}/regenerate': 'own',
  'POST /key/block': 'own',
  'POST /key/unblock': 'own',
  'GET /user/info': 'own',
  'GET /team/info': 'own',
  'POST /team/member_add': 'own',
  'POST /team/member_delete': 'own',
  'POST /team/member_update': 'own',
  'POST /spend/calculate': 'own',
  'GET /spend/logs': 'own',
  'GET /spend/tags': 'own',
  'GET /spend/keys': 'own',
  'GET /spend/users': 'own',

  'GET /spend/logs/export': 'admin',
  'GET /audit': 'admin',
  'GET /audit/{id}': 'admin',
  'GET /audit/export': 'admin',
  'GET /audit/verify': 'admin',
  'GET /global/spend/report': 'admin',
  'GET /global/spend/keys': 'admin',
  'GET /global/spend/teams': 'admin',
  'GET /global/spend/models': 'admin',
  'GET /global/spend/tags': 'admin',
  'GET /global/spend/end_users': 'admin',
  'POST /global/spend/end_users': 'admin',
  'GET /model/analytics': 'admin',
  'GET /model/analytics/daily': 'admin',
  'GET /model/metrics': 'admin',
  'POST /team/new': 'admin',
  'POST /team/update': 'admin',
  'POST /team/delete': 'admin',
  'GET /team/list': 'admin',
  'POST /team/block': 'admin',
  'POST /team/unblock': 'admin',
  'POST /user/new': 'admin',
  'POST /user/update': 'admin',
  'POST /user/delete': 'admin',
  'GET /user/list': 'admin',
  'POST /user/block': 'admin',
  'POST /user/unblock': 'admin',
  'POST /organization/new': 'admin',
  'POST /organization/update': 'admin',
  'POST /organization/delete': 'admin',
  'GET /organization/info': 'admin',
  'POST /organization/info': 'admin',
  'GET /organization/list': 'admin',
  'POST /organization/member_add': 'admin',
  'POST /customer/new': 'admin',
  'POST /customer/update': 'admin',
  'POST /customer/delete': 'admin',
  'GET /customer/info': 'admin',
  'GET /customer/list': 'admin',
  'POST /customer/block': 'admin',
  'POST /customer/unblock': 'admin',
  'POST /end_user/new': 'admin',
  'POST /end_user/update': 'admin',
  'POST /end_user/delete': 'admin',
  'GET /end_user/info': 'admin',
  'GET /end_user/list': 'admin',
  'POST /end_user/block': 'admin',
  'POST /end_user/unblock': 'admin',
  'POST /budget/new': 'admin',
  'POST /budget/update': 'admin',
  'POST /budget/delete': 'admin',
  'GET /budget/info': 'admin',
  'POST /budget/info': 'admin',
  'GET /budget/list': 'admin',
};

const ALLOWED: Record<Policy, ReadonlySet<Principal>> = {
  public: new Set(PRINCIPALS),
  llm: new Set<Principal>(['internal user', 'team admin', 'proxy admin', 'master key']),
  own: new Set<Principal>(['internal user', 'team admin', 'proxy admin', 'master key']),
  admin: new Set<Principal>(['proxy admin', 'master key']),
};

interface CatalogRoute {
  path: string;
  methods: string[];
}

describe('Auth matrix: every route × every kind of caller against a hand-written policy (e2e)', () => {
  let gateway: TestGateway;
  const api = apiClient(() => gateway.url, MASTER_KEY);
  const keys = new Map<Principal, string | undefined>();
  let victimKey: string;

  beforeAll(async () => {
    gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
  block_robots: true
  enable_public_model_hub: true
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: embed
    litellm_params: { model: mock/embed }
    model_info: { mode: embedding }
`);
    const generate = async (body: Record<string, unknown>): Promise<string> => (await api.post<{ key: string }>('/key/generate', body)).body.key;
    const newUser = async (userId: string, role: string): Promise<string> => (await api.post<{ key: string }>('/user/new', { user_id: userId, user_role: role })).body.key;
    keys.set('no key', undefined);
    keys.set('bad key', 'sk-this-key-was-never-issued');
    keys.set('expired', await generate({ duration: '1s' }));
    const blocked = await generate({});
    await api.post('/key/block', { key: blocked });
    keys.set('blocked', blocked);
    keys.set('internal user', await newUser('matrix-user', 'internal_user'));
    keys.set('team admin', await newUser('matrix-team-admin', 'internal_user'));
    await api.post('/team/new', { team_id: 'matrix-team', members_with_roles: [{ role: 'admin', user_id: 'matrix-team-admin' }] });
    keys.set('proxy admin', await newUser('matrix-admin', 'proxy_admin'));
    keys.set('master key', MASTER_KEY);
    victimKey = await generate({});
    // The expired key must be past its expiry before the matrix runs.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  /** A request that reaches the handler when authorised: ids point at a throwaway key or the matrix team. */
  function requestFor(method: string, template: string): { url: string; body?: string } {
    const path = template.replace('{model}', template.includes('embeddings') ? 'embed' : 'demo').replace('{key}', victimKey);
    let body: Record<string, unknown> | undefined;
    if (method === 'POST') {
      if (path.includes('embeddings')) body = { model: 'embed', input: 'hi' };
      else if (path.endsWith('/completions') && !path.includes('chat')) body = { model: 'demo', prompt: 'hi' };
      else if (path.includes('chat/completions')) body = { model: 'demo', messages: [{ role: 'user', content: 'hi' }] };
      else if (path.endsWith('/responses')) body = { model: 'demo', input: 'hi' };
      else if (path.includes('/v1/messages')) body = { model: 'demo', max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] };
      else if (path.startsWith('/key/')) body = { key: victimKey, keys: [victimKey] };
      else if (path.startsWith('/team/member')) body = { team_id: 'matrix-team', member: { role: 'user', user_id: 'matrix-member' }, user_id: 'matrix-member' };
      else body = {};
    }
    return { url: `${gateway.url}${path}`, body: body === undefined ? undefined : JSON.stringify(body) };
  }

  it('should give every declared route a policy entry', async () => {
    const { routes } = (await (await fetch(`${gateway.url}/routes`)).json()) as { routes: CatalogRoute[] };
    const missing = routes.flatMap((route) => route.methods.map((method) => `${method} ${route.path}`)).filter((id) => !(id in POLICY));
    expect(missing).toEqual([]);
  });

  it('should let exactly the allowed callers past authentication on every route', async () => {
    const { routes } = (await (await fetch(`${gateway.url}/routes`)).json()) as { routes: CatalogRoute[] };
    const mismatches: string[] = [];
    for (const route of routes) {
      for (const method of route.methods) {
        const id = `${method} ${route.path}`;
        const policy = POLICY[id];
        if (!policy) continue;
        for (const principal of PRINCIPALS) {
          const { url, body } = requestFor(method, route.path);
          const key = keys.get(principal);
          const response = await fetch(url, {
            method,
            headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
            body,
          });
          const text = await response.text();
          const denied = deniedByAuthentication(response.status, text);
          const expectedDenied = !ALLOWED[policy].has(principal);
          if (denied !== expectedDenied) mismatches.push(`${id} as ${principal}: ${response.status} ${text.slice(0, 120)}`);
        }
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('should leave team-member changes to the team admin, not to any internal user', async () => {
    const body = JSON.stringify({ team_id: 'matrix-team', member: { role: 'user', user_id: 'matrix-newcomer' } });
    const asUser = await fetch(`${gateway.url}/team/member_add`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.get('internal user')}`, 'content-type': 'application/json' },
      body,
    });
    expect(asUser.status).toBe(403);
    const asAdmin = await fetch(`${gateway.url}/team/member_add`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.get('team admin')}`, 'content-type': 'application/json' },
      body,
    });
    expect(asAdmin.status).toBe(200);
  });
});

/** The guards' refusals: 401 `Authentication Error…`, or 400 `expired_key`. Services' own 403s are not among them. */
function deniedByAuthentication(status: number, text: string): boolean {
  let error: { message?: string; type?: string } | undefined;
  try {
    error = (JSON.parse(text) as { error?: { message?: string; type?: string } }).error;
  } catch {
    return false;
  }
  if (status === 401 && error?.message?.startsWith('Authentication Error')) return true;
  return status === 400 && error?.type === 'expired_key';
}
