import { discardStorage, startGateway, TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-roles-master';

type Caller = 'admin' | 'adminViewer' | 'internalUser' | 'internalViewer' | 'keyWithoutUser';

interface PolicyRow {
  method: 'GET' | 'POST';
  path: (caller: Caller, own: string) => string;
  body?: (caller: Caller) => unknown;
  expected: Record<Caller, number>;
}

/**
 * The role matrix, written out by hand from LiteLLM's §2.0 step 10 rather than derived from the route
 * metadata the guards read, so a wrong declaration shows up here as a failure.
 */
const POLICY: Record<string, PolicyRow> = {
  'POST /key/generate': {
    method: 'POST',
    path: () => '/key/generate',
    body: () => ({}),
    expected: { admin: 200, adminViewer: 401, internalUser: 200, internalViewer: 401, keyWithoutUser: 401 },
  },
  'GET /key/info (own key)': {
    method: 'GET',
    path: (_caller, own) => `/key/info?key=${own}`,
    expected: { admin: 200, adminViewer: 200, internalUser: 200, internalViewer: 200, keyWithoutUser: 200 },
  },
  'POST /team/new': {
    method: 'POST',
    path: () => '/team/new',
    body: () => ({}),
    expected: { admin: 200, adminViewer: 401, internalUser: 401, internalViewer: 401, keyWithoutUser: 401 },
  },
  'POST /user/new': {
    method: 'POST',
    path: () => '/user/new',
    body: () => ({ auto_create_key: false }),
    expected: { admin: 200, adminViewer: 401, internalUser: 401, internalViewer: 401, keyWithoutUser: 401 },
  },
  'POST /customer/new': {
    method: 'POST',
    path: () => '/customer/new',
    body: (caller) => ({ user_id: `customer-of-${caller}` }),
    expected: { admin: 200, adminViewer: 401, internalUser: 401, internalViewer: 401, keyWithoutUser: 401 },
  },
  'GET /v1/models': {
    method: 'GET',
    path: () => '/v1/models',
    expected: { admin: 200, adminViewer: 401, internalUser: 200, internalViewer: 200, keyWithoutUser: 200 },
  },
  'POST /v1/chat/completions': {
    method: 'POST',
    path: () => '/v1/chat/completions',
    body: () => ({ model: 'demo', messages: [{ role: 'user', content: 'hi' }] }),
    expected: { admin: 200, adminViewer: 401, internalUser: 200, internalViewer: 200, keyWithoutUser: 200 },
  },
};

describe('Role matrix (e2e, hand-written policy)', () => {
  let gateway: TestGateway;
  const keys = {} as Record<Caller, string>;

  const call = async (method: string, path: string, auth: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const response = await fetch(`${gateway.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  };

  beforeAll(async () => {
    gateway = await startGateway(`general_settings:\n  master_key: ${MASTER_KEY}\nmodel_list:\n  - model_name: demo\n    litellm_params: { model: mock/demo }\n`);
    const userKey = async (user_role: string): Promise<string> => {
      const created = await call('POST', '/user/new', MASTER_KEY, { user_role });
      expect(created.status).toBe(200);
      return created.json.key as string;
    };
    keys.adminViewer = await userKey('proxy_admin_viewer');
    keys.internalUser = await userKey('internal_user');
    keys.internalViewer = await userKey('internal_user_viewer');
    keys.keyWithoutUser = (await call('POST', '/key/generate', MASTER_KEY, {})).json.key as string;
    keys.admin = (await userKey('proxy_admin')) ?? MASTER_KEY;
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const callers: Caller[] = ['admin', 'adminViewer', 'internalUser', 'internalViewer', 'keyWithoutUser'];
  for (const [name, row] of Object.entries(POLICY)) {
    for (const caller of callers) {
      it(`${name} as ${caller} → ${row.expected[caller]}`, async () => {
        const { status, json } = await call(row.method, row.path(caller, keys[caller]), keys[caller], row.body?.(caller));
        expect({ status, error: status >= 400 ? json.error : undefined }).toMatchObject({ status: row.expected[caller] });
        if (status >= 400) expect(json.error).toMatchObject({ code: String(status) });
      });
    }
  }
});
