import { apiClient } from './support/api-client';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { discardStorage, freshStorage, startGateway, type TestGateway } from './support/gateway-harness';

const MASTER_KEY = 'sk-ui-session-master';
const COOKIE = /^tollgate_session=([A-Za-z0-9_-]{43}); Path=\/; HttpOnly; SameSite=Strict$/;

interface SessionInfo {
  user_id: string;
  user_email: string | null;
  user_role: string;
  csrf_token: string;
  expires_at: string;
  idle_timeout_seconds: number;
}

interface Login {
  status: number;
  body: SessionInfo & { error?: { message: string; type: string; param: string | null; code: string } };
  setCookie: string | null;
  /** `tollgate_session=…`, as a browser sends it back. */
  cookie: string;
  retryAfter: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Logs in with JSON, from `ip` (X-Forwarded-For; every suite's request comes from loopback otherwise). */
async function login(url: string, username: string, password: string, ip = '198.51.100.1'): Promise<Login> {
  const response = await fetch(`${url}/v2/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
    body: JSON.stringify({ username, password }),
  });
  const setCookie = response.headers.get('set-cookie');
  const match = setCookie ? COOKIE.exec(setCookie) : null;
  return {
    status: response.status,
    body: (await response.json()) as Login['body'],
    setCookie,
    cookie: match ? `tollgate_session=${match[1]}` : '',
    retryAfter: response.headers.get('retry-after'),
  };
}

/** A call made with the session cookie (and the csrf token when given), as the Admin UI makes it. */
async function withCookie(
  url: string,
  method: string,
  path: string,
  cookie: string,
  options: { csrf?: string; body?: unknown; authorization?: string } = {},
): Promise<{ status: number; text: string }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      cookie,
      ...(options.csrf ? { 'x-csrf-token': options.csrf } : {}),
      ...(options.authorization ? { authorization: options.authorization } : {}),
      ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  return { status: response.status, text: await response.text() };
}

async function withKey(url: string, method: string, path: string, key: string, body?: unknown): Promise<number> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('Admin UI login and sessions (e2e)', () => {
  describe('with the default UI credentials (admin / the master key)', () => {
    let gateway: TestGateway;
    const api = apiClient(() => gateway.url, MASTER_KEY);
    const url = (): string => gateway.url;

    beforeAll(async () => {
      gateway = await startGateway(`
general_settings:
  master_key: ${MASTER_KEY}
  use_x_forwarded_for: true
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
litellm_settings:
  store_audit_logs: true
`);
    });
    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should log in admin with the master key as a proxy admin under LiteLLM admin id, with the cookie flags and a csrf token', async () => {
      const before = Date.now();
      const result = await login(url(), 'admin', MASTER_KEY);
      expect(result.status).toBe(200);
      expect(result.setCookie).toMatch(COOKIE);
      expect(result.body).toEqual({
        user_id: 'default_user_id',
        user_email: null,
        user_role: 'proxy_admin',
        csrf_token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        expires_at: expect.any(String),
        idle_timeout_seconds: 1800,
      });
      const expiresIn = Date.parse(result.body.expires_at) - before;
      expect(expiresIn).toBeGreaterThan(12 * 3_600_000 - 60_000);
      expect(expiresIn).toBeLessThanOrEqual(12 * 3_600_000 + 60_000);
      // The cookie's value is not the csrf token, and neither is anywhere in the body but where it belongs.
      expect(result.cookie).not.toContain(result.body.csrf_token);
      const info = await withCookie(url(), 'GET', '/session/info', result.cookie);
      expect(info.status).toBe(200);
      expect(JSON.parse(info.text)).toEqual(result.body);
    });

    it("should open the same session with LiteLLM's form login and redirect to /ui/", async () => {
      const response = await fetch(`${url()}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.2' },
        body: new URLSearchParams({ username: 'admin', password: MASTER_KEY }).toString(),
        redirect: 'manual',
      });
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/ui/');
      const match = COOKIE.exec(response.headers.get('set-cookie') ?? '');
      expect(match).not.toBeNull();
      const info = await withCookie(url(), 'GET', '/session/info', `tollgate_session=${match![1]}`);
      expect(JSON.parse(info.text)).toMatchObject({ user_id: 'default_user_id', user_role: 'proxy_admin' });
      // A script that asks for JSON gets the session instead of the redirect.
      const scripted = await fetch(`${url()}/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'x-forwarded-for': '198.51.100.2' },
        body: new URLSearchParams({ username: 'admin', password: MASTER_KEY }).toString(),
        redirect: 'manual',
      });
      expect(scripted.status).toBe(200);
      expect(scripted.headers.get('set-cookie')).toMatch(COOKIE);
      expect(await scripted.json()).toMatchObject({ user_id: 'default_user_id', user_role: 'proxy_admin', csrf_token: expect.any(String) });
    });

    it('should refuse wrong credentials with one generic 401, whichever part was wrong', async () => {
      await api.post('/user/new', { user_id: 'ui-known', user_email: 'known@example.com', password: 'known-password-1', auto_create_key: false });
      const attempts = [
        await login(url(), 'admin', 'sk-wrong', '198.51.100.3'),
        await login(url(), 'nobody-at-all', MASTER_KEY, '198.51.100.3'),
        await login(url(), 'ui-known', 'wrong-password', '198.51.100.3'),
        await login(url(), 'known@example.com', 'wrong-password', '198.51.100.3'),
        await login(url(), 'ui-known', MASTER_KEY, '198.51.100.3'),
      ];
      for (const attempt of attempts) {
        expect(attempt.status).toBe(401);
        expect(attempt.setCookie).toBeNull();
        expect(attempt.body.error).toEqual(attempts[0].body.error);
      }
      expect(attempts[0].body.error).toEqual({ message: 'Invalid credentials used to access UI.', type: 'auth_error', param: 'invalid_credentials', code: '401' });
    });

    it('should refuse a login posted from another site', async () => {
      const response = await fetch(`${url()}/v2/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'https://evil.example', 'x-forwarded-for': '198.51.100.4' },
        body: JSON.stringify({ username: 'admin', password: MASTER_KEY }),
      });
      expect(response.status).toBe(403);
      expect(response.headers.get('set-cookie')).toBeNull();
    });

    it('should throttle failed logins per client address and per username with 429 and retry-after', async () => {
      const attacker = '203.0.113.10';
      for (let i = 0; i < 10; i++) expect((await login(url(), `guess-${i}`, 'x', attacker)).status).toBe(401);
      const blocked = await login(url(), 'admin', MASTER_KEY, attacker);
      expect(blocked.status).toBe(429);
      expect(blocked.body.error?.type).toBe('rate_limit_error');
      expect(Number(blocked.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(Number(blocked.retryAfter)).toBeLessThanOrEqual(300);
      expect((await login(url(), 'admin', MASTER_KEY, '203.0.113.11')).status).toBe(200);

      await api.post('/user/new', { user_id: 'ui-target', password: 'target-password-1', auto_create_key: false });
      for (let i = 0; i < 10; i++) expect((await login(url(), 'ui-target', 'guess', `203.0.113.${100 + i}`)).status).toBe(401);
      expect((await login(url(), 'ui-target', 'target-password-1', '203.0.113.200')).status).toBe(429);
    });

    it('should log a user in by id and by email with its role, and authenticate API calls by cookie with csrf on writes', async () => {
      const created = await api.post<{ key: string }>('/user/new', { user_id: 'ui-ada', user_email: 'Ada@Example.com', user_role: 'internal_user', password: 'ada-password-1' });
      expect(created.status).toBe(200);
      const byId = await login(url(), 'ui-ada', 'ada-password-1');
      expect(byId.status).toBe(200);
      expect(byId.body).toMatchObject({ user_id: 'ui-ada', user_email: 'Ada@Example.com', user_role: 'internal_user' });
      const byEmail = await login(url(), 'ada@example.com', 'ada-password-1');
      expect(byEmail.body).toMatchObject({ user_id: 'ui-ada', user_role: 'internal_user' });
      expect(byEmail.cookie).not.toBe(byId.cookie);

      const own = await withCookie(url(), 'GET', '/user/info', byId.cookie);
      expect(own.status).toBe(200);
      expect(JSON.parse(own.text)).toMatchObject({ user_id: 'ui-ada' });
      const noCsrf = await withCookie(url(), 'POST', '/key/generate', byId.cookie, { body: { key_alias: 'from-ui' } });
      expect(noCsrf.status).toBe(403);
      expect(JSON.parse(noCsrf.text).error).toMatchObject({ type: 'auth_error', param: 'x-csrf-token', code: '403' });
      const wrongCsrf = await withCookie(url(), 'POST', '/key/generate', byId.cookie, { csrf: byEmail.body.csrf_token, body: { key_alias: 'from-ui' } });
      expect(wrongCsrf.status).toBe(403);
      const withCsrf = await withCookie(url(), 'POST', '/key/generate', byId.cookie, { csrf: byId.body.csrf_token, body: { key_alias: 'from-ui' } });
      expect(withCsrf.status).toBe(200);
      expect(JSON.parse(withCsrf.text)).toMatchObject({ user_id: 'ui-ada', key_alias: 'from-ui' });
    });

    it('should make a session exactly as privileged as the user own key', async () => {
      const roles = ['internal_user', 'internal_user_viewer', 'proxy_admin_viewer'] as const;
      const probes: [string, string, unknown?][] = [
        ['GET', '/user/list'],
        ['GET', '/key/list'],
        ['GET', '/team/list'],
        ['GET', '/user/info?user_id=ui-known'],
        ['POST', '/key/generate', { user_id: 'someone-else' }],
        ['POST', '/key/generate', {}],
        ['POST', '/user/new', { user_id: 'made-by-a-session', auto_create_key: false }],
        ['POST', '/team/new', { team_alias: 'made-by-a-session' }],
        ['POST', '/user/update', { user_id: 'ui-known', user_role: 'proxy_admin' }],
      ];
      const observed: Record<string, Record<string, [session: number, key: number]>> = {};
      for (const role of roles) {
        const userId = `ui-${role}`;
        const created = await api.post<{ key: string }>('/user/new', { user_id: userId, user_role: role, password: `${role}-password` });
        const session = await login(url(), userId, `${role}-password`);
        expect(session.body.user_role).toBe(role);
        observed[role] = {};
        for (const [method, path, body] of probes) {
          const bySession = await withCookie(url(), method, path, session.cookie, { csrf: session.body.csrf_token, body });
          const byKey = await withKey(url(), method, path, created.body.key, body);
          observed[role][`${method} ${path} ${JSON.stringify(body ?? '')}`] = [bySession.status, byKey];
        }
      }
      for (const role of roles)
        for (const [probe, [bySession, byKey]] of Object.entries(observed[role])) expect(`${role} ${probe}: ${bySession}`).toBe(`${role} ${probe}: ${byKey}`);
      // And the refusals are the ones expected of each role, not an accident of both paths failing alike.
      expect(observed.internal_user['GET /user/list ""'][0]).toBe(401);
      expect(observed.internal_user['POST /key/generate {"user_id":"someone-else"}'][0]).toBe(403);
      expect(observed.internal_user['POST /key/generate {}'][0]).toBe(200);
      expect(observed.proxy_admin_viewer['GET /user/list ""'][0]).toBe(200);
      expect(observed.proxy_admin_viewer['GET /key/list ""'][0]).toBe(200);
      expect(observed.proxy_admin_viewer['POST /key/generate {}'][0]).toBe(401);
      expect(observed.proxy_admin_viewer['POST /user/new {"user_id":"made-by-a-session","auto_create_key":false}'][0]).toBe(401);
      expect(observed.internal_user_viewer['POST /key/generate {}'][0]).toBe(401);
    });

    it('should let the UI admin session manage the proxy like the master key', async () => {
      const admin = await login(url(), 'admin', MASTER_KEY);
      expect((await withCookie(url(), 'GET', '/user/list', admin.cookie)).status).toBe(200);
      const created = await withCookie(url(), 'POST', '/key/generate', admin.cookie, { csrf: admin.body.csrf_token, body: { user_id: 'ui-known', key_alias: 'admin-made' } });
      expect(created.status).toBe(200);
      const audit = await api.get<{ audit_logs?: unknown[]; data?: unknown[] }>('/audit?table_name=LiteLLM_VerificationToken');
      expect(JSON.stringify(audit.body)).toContain('default_user_id');
    });

    it('should use the Authorization header only when a request has one besides the cookie', async () => {
      const admin = await login(url(), 'admin', MASTER_KEY);
      const user = await api.post<{ key: string }>('/user/new', { user_id: 'ui-header-user', user_role: 'internal_user' });
      const asUser = await withCookie(url(), 'GET', '/user/list', admin.cookie, { authorization: `Bearer ${user.body.key}` });
      expect(asUser.status).toBe(401);
      const badKey = await withCookie(url(), 'GET', '/user/list', admin.cookie, { authorization: 'Bearer sk-never-issued' });
      expect(badKey.status).toBe(401);
      // A key header needs no csrf token: the cookie plays no part.
      expect((await withCookie(url(), 'POST', '/key/generate', admin.cookie, { authorization: `Bearer ${MASTER_KEY}`, body: {} })).status).toBe(200);
    });

    it('should revoke the session at logout: the old cookie gets 401 everywhere', async () => {
      const session = await login(url(), 'admin', MASTER_KEY);
      expect((await withCookie(url(), 'GET', '/key/list', session.cookie)).status).toBe(200);
      expect((await withCookie(url(), 'POST', '/logout', session.cookie)).status).toBe(403);
      const response = await fetch(`${url()}/logout`, { method: 'POST', headers: { cookie: session.cookie, 'x-csrf-token': session.body.csrf_token } });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ message: 'Logged out' });
      expect(response.headers.get('set-cookie')).toMatch(/^tollgate_session=; Path=\/; HttpOnly; SameSite=Strict; Max-Age=0/);
      const after = await withCookie(url(), 'GET', '/key/list', session.cookie);
      expect(after.status).toBe(401);
      expect(JSON.parse(after.text).error.type).toBe('auth_error');
      expect((await withCookie(url(), 'GET', '/session/info', session.cookie)).status).toBe(401);
      expect((await withCookie(url(), 'GET', '/key/list', 'tollgate_session=' + 'A'.repeat(43))).status).toBe(401);
      expect((await fetch(`${url()}/key/list`)).status).toBe(401);
    });

    it("should end a user's sessions when the user is deleted or gets a new password", async () => {
      await api.post('/user/new', { user_id: 'ui-doomed', password: 'doomed-password', auto_create_key: false });
      const doomed = await login(url(), 'ui-doomed', 'doomed-password');
      expect((await withCookie(url(), 'GET', '/user/info', doomed.cookie)).status).toBe(200);
      expect((await api.post('/user/delete', { user_ids: ['ui-doomed'] })).status).toBe(200);
      expect((await withCookie(url(), 'GET', '/user/info', doomed.cookie)).status).toBe(401);
      expect((await login(url(), 'ui-doomed', 'doomed-password')).status).toBe(401);

      await api.post('/user/new', { user_id: 'ui-rotating', password: 'first-password', auto_create_key: false });
      const old = await login(url(), 'ui-rotating', 'first-password');
      expect((await withCookie(url(), 'GET', '/user/info', old.cookie)).status).toBe(200);
      expect((await api.post('/user/update', { user_id: 'ui-rotating', password: 'second-password' })).status).toBe(200);
      expect((await withCookie(url(), 'GET', '/user/info', old.cookie)).status).toBe(401);
      expect((await login(url(), 'ui-rotating', 'first-password')).status).toBe(401);
      expect((await login(url(), 'ui-rotating', 'second-password')).status).toBe(200);
    });

    it('should never return, audit or expose a password or its hash', async () => {
      const password = 'Very-Secret-Password-4711';
      const created = await api.post('/user/new', { user_id: 'ui-secretive', user_email: 'secretive@example.com', password });
      const updated = await api.post('/user/update', { user_id: 'ui-secretive', password: `${password}-2`, user_alias: 'S' });
      const info = await api.get('/user/info?user_id=ui-secretive');
      const list = await api.get('/user/list?page_size=500');
      const audit = await api.get('/audit?table_name=LiteLLM_UserTable');
      for (const response of [created, updated, info, list, audit]) {
        expect(response.status).toBe(200);
        const text = JSON.stringify(response.body);
        expect(text).not.toContain('Very-Secret');
        expect(text).not.toContain('scrypt:');
        expect(text).not.toMatch(/"password"/);
      }
      expect(JSON.stringify(audit.body)).toContain('ui-secretive');
      expect((await login(url(), 'secretive@example.com', `${password}-2`)).status).toBe(200);
    });

    it('should document the routes as public and in the route catalog', async () => {
      const spec = (await (await fetch(`${url()}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
      for (const [path, method] of [
        ['/v2/login', 'post'],
        ['/login', 'post'],
        ['/session/info', 'get'],
        ['/logout', 'post'],
      ]) {
        expect(spec.paths[path]?.[method]).toBeDefined();
      }
    });
  });

  describe('with UI_USERNAME / UI_PASSWORD and short timeouts', () => {
    let gateway: TestGateway;
    const url = (): string => gateway.url;

    beforeAll(async () => {
      gateway = await startGateway(
        `
general_settings:
  master_key: ${MASTER_KEY}
  ui_session_idle_timeout: 2
  ui_session_max_age: 5s
`,
        { env: { UI_USERNAME: 'ops', UI_PASSWORD: 'ops-password-1' } },
      );
    });
    afterAll(async () => {
      await gateway?.close();
      if (gateway) discardStorage(gateway.storage);
    });

    it('should log in with UI_USERNAME / UI_PASSWORD only (the master key is no longer the UI password)', async () => {
      const result = await login(url(), 'ops', 'ops-password-1');
      expect(result.status).toBe(200);
      expect(result.body).toMatchObject({ user_id: 'default_user_id', user_role: 'proxy_admin', idle_timeout_seconds: 2 });
      expect((await login(url(), 'admin', MASTER_KEY)).status).toBe(401);
      expect((await login(url(), 'ops', MASTER_KEY)).status).toBe(401);
    });

    it('should end a session left idle past ui_session_idle_timeout', async () => {
      const session = await login(url(), 'ops', 'ops-password-1');
      await sleep(1_000);
      expect((await withCookie(url(), 'GET', '/key/list', session.cookie)).status).toBe(200);
      await sleep(2_500);
      expect((await withCookie(url(), 'GET', '/key/list', session.cookie)).status).toBe(401);
      expect((await withCookie(url(), 'GET', '/session/info', session.cookie)).status).toBe(401);
    });

    it('should end a session in use at ui_session_max_age', async () => {
      const session = await login(url(), 'ops', 'ops-password-1');
      const end = Date.parse(session.body.expires_at);
      expect(end - Date.now()).toBeLessThanOrEqual(5_000);
      while (Date.now() < end - 700) {
        expect((await withCookie(url(), 'GET', '/key/list', session.cookie)).status).toBe(200);
        await sleep(600);
      }
      await sleep(Math.max(0, end - Date.now()) + 100);
      expect((await withCookie(url(), 'GET', '/key/list', session.cookie)).status).toBe(401);
    });
  });

  /**
   * Two instances on one PostgreSQL server (its LISTEN/NOTIFY is the invalidation bus without Redis): a logout or a
   * new password on A ends the session on B at once. CI's server run gives them a database on its server; the
   * embedded run gives them the embedded engine of a third gateway, reached over TCP as a server is.
   */
  describe('on two instances sharing the database', () => {
    let host: TestGateway | undefined;
    let a: TestGateway;
    let b: TestGateway;
    const dirs: string[] = [];

    beforeAll(async () => {
      const yaml = `
general_settings:
  master_key: ${MASTER_KEY}
`;
      let databaseUrl: string | undefined;
      if (!process.env.DATABASE_URL) {
        host = await startGateway(yaml);
        databaseUrl = (host.app.get(DataSource).options as { url?: string }).url;
      }
      const storageFor = async (): Promise<{ dataDir: string; databaseUrl?: string }> => {
        if (!databaseUrl) return freshStorage();
        const dataDir = mkdtempSync(join(tmpdir(), 'tollgate-e2e-shared-'));
        dirs.push(dataDir);
        return { dataDir, databaseUrl };
      };
      a = await startGateway(yaml, { storage: await storageFor() });
      const second = mkdtempSync(join(tmpdir(), 'tollgate-e2e-b-'));
      dirs.push(second);
      b = await startGateway(yaml, { storage: { dataDir: second, databaseUrl: a.storage.databaseUrl } });
    });
    afterAll(async () => {
      await b?.close();
      await a?.close();
      await host?.close();
      if (a && !host) discardStorage(a.storage);
      if (host) discardStorage(host.storage);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
    });

    /** Polls `gateway` with the cookie until it is refused; the time it took, or Infinity after `withinMs`. */
    async function refusedWithin(gateway: TestGateway, cookie: string, withinMs: number): Promise<number> {
      const started = Date.now();
      while (Date.now() - started < withinMs) {
        if ((await withCookie(gateway.url, 'GET', '/user/list', cookie)).status === 401) return Date.now() - started;
        await sleep(20);
      }
      return Number.POSITIVE_INFINITY;
    }

    it('should end on B a session logged out on A, and a user session whose password changed on A', async () => {
      const admin = await login(a.url, 'admin', MASTER_KEY);
      expect((await withCookie(b.url, 'GET', '/user/list', admin.cookie)).status).toBe(200);
      expect((await withCookie(b.url, 'POST', '/logout', admin.cookie, { csrf: admin.body.csrf_token })).status).toBe(200);
      expect(await refusedWithin(a, admin.cookie, 1_000)).toBeLessThan(1_000);

      const second = await login(b.url, 'admin', MASTER_KEY);
      expect((await withCookie(a.url, 'GET', '/user/list', second.cookie)).status).toBe(200);
      expect((await withCookie(a.url, 'POST', '/logout', second.cookie, { csrf: second.body.csrf_token })).status).toBe(200);
      expect(await refusedWithin(b, second.cookie, 1_000)).toBeLessThan(1_000);

      const master = (path: string, body: unknown): Promise<Response> =>
        fetch(`${a.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${MASTER_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect((await master('/user/new', { user_id: 'shared-user', user_role: 'proxy_admin_viewer', password: 'shared-password-1', auto_create_key: false })).status).toBe(200);
      const user = await login(a.url, 'shared-user', 'shared-password-1');
      expect((await withCookie(b.url, 'GET', '/user/list', user.cookie)).status).toBe(200);
      expect((await master('/user/update', { user_id: 'shared-user', password: 'shared-password-2' })).status).toBe(200);
      expect(await refusedWithin(b, user.cookie, 1_000)).toBeLessThan(1_000);
    });
  });
});
