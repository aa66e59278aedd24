import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';

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
  "GET /user/info (another user's)": {
    method: 'GET',
    path: () => '/user/info?user_id=someone-else',
    expected: { admin: 200, adminViewer: 200, internalUser: 403, internalViewer: 403, keyWithoutUser: 403 },
  },
  'GET /user/info (own)': {
    method: 'GET',
    path: (caller) => `/user/info?user_id=user-${caller}`,
    expected: { admin: 200, adminViewer: 200, internalUser: 200, internalViewer: 200, keyWithoutUser: 403 },
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
    expect((await call('POST', '/user/new', MASTER_KEY, { user_id: 'someone-else', auto_create_key: false })).status).toBe(200);
    const userKey = async (user_role: string, caller: Caller): Promise<string> => {
      const created = await call('POST', '/user/new', MASTER_KEY, { user_role, user_id: `user-${caller}` });
      expect(created.status).toBe(200);
      return created.json.key as string;
    };
    keys.adminViewer = await userKey('proxy_admin_viewer', 'adminViewer');
    keys.internalUser = await userKey('internal_user', 'internalUser');
    keys.internalViewer = await userKey('internal_user_viewer', 'internalViewer');
    keys.keyWithoutUser = (await call('POST', '/key/generate', MASTER_KEY, {})).json.key as string;
    keys.admin = await userKey('proxy_admin', 'admin');
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

  it('should let a team admin, and only a team admin, manage the team members', async () => {
    const team = await call('POST', '/team/new', MASTER_KEY, {
      members_with_roles: [
        { role: 'admin', user_id: 'user-internalUser' },
        { role: 'user', user_id: 'user-internalViewer' },
      ],
    });
    const teamId = team.json.team_id as string;
    const addedByTeamAdmin = await call('POST', '/team/member_add', keys.internalUser, { team_id: teamId, member: { role: 'user', user_id: 'new-member' } });
    expect(addedByTeamAdmin.status).toBe(200);
    const byPlainMember = await call('POST', '/team/member_add', keys.internalViewer, { team_id: teamId, member: { role: 'user', user_id: 'other' } });
    expect(byPlainMember.status).toBe(401);
    const otherTeam = await call('POST', '/team/new', MASTER_KEY, {});
    const byOutsider = await call('POST', '/team/member_add', keys.internalUser, { team_id: otherTeam.json.team_id, member: { role: 'user', user_id: 'x' } });
    expect(byOutsider.status).toBe(403);
    expect((await call('GET', `/team/info?team_id=${teamId}`, keys.internalViewer)).status).toBe(200);
    expect((await call('GET', `/team/info?team_id=${otherTeam.json.team_id}`, keys.internalViewer)).status).toBe(403);
  });

  it('should let an org admin manage its own organization and its teams, and nothing else', async () => {
    const org = await call('POST', '/organization/new', MASTER_KEY, { organization_alias: 'acme' });
    const otherOrg = await call('POST', '/organization/new', MASTER_KEY, { organization_alias: 'other' });
    const orgId = org.json.organization_id as string;
    const boss = await call('POST', '/user/new', MASTER_KEY, { user_id: 'org-boss', user_role: 'org_admin' });
    expect((await call('POST', '/organization/member_add', MASTER_KEY, { organization_id: orgId, member: { role: 'org_admin', user_id: 'org-boss' } })).status).toBe(200);
    const bossKey = boss.json.key as string;

    expect((await call('GET', `/organization/info?organization_id=${orgId}`, bossKey)).status).toBe(200);
    expect((await call('GET', `/organization/info?organization_id=${otherOrg.json.organization_id}`, bossKey)).status).toBe(403);
    expect((await call('POST', '/team/new', bossKey, { organization_id: orgId })).status).toBe(200);
    expect((await call('POST', '/team/new', bossKey, { organization_id: otherOrg.json.organization_id })).status).toBe(403);
    expect((await call('POST', '/team/new', bossKey, {})).status).toBe(403);

    const orgTeam = await call('POST', '/team/new', MASTER_KEY, { organization_id: orgId });
    const added = await call('POST', '/team/member_add', bossKey, { team_id: orgTeam.json.team_id, member: { role: 'user', user_id: 'hired' } });
    expect(added.status).toBe(200);
    const foreignTeam = await call('POST', '/team/new', MASTER_KEY, { organization_id: otherOrg.json.organization_id });
    expect((await call('POST', '/team/member_add', bossKey, { team_id: foreignTeam.json.team_id, member: { role: 'user', user_id: 'x' } })).status).toBe(403);
    expect(
      (await call('POST', '/organization/member_add', bossKey, { organization_id: otherOrg.json.organization_id, member: { role: 'internal_user', user_id: 'org-boss' } })).status,
    ).toBe(403);
  });
});
