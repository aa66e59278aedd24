import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { FUZZ_SEED } from './support/hostile-input';

/**
 * The privilege property, through the HTTP API of a booted gateway: no non-admin caller can create, regenerate,
 * update, block or delete a credential, or grant a team or a member, that holds more than its own. fast-check draws
 * pairs of grants (the caller's and the target's); the test's own oracle says whether the target exceeds the caller,
 * and the gateway must refuse exactly then, leaving the target as it was.
 */
const MASTER_KEY = 'sk-privilege-master-9c1e';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
  - model_name: other
    litellm_params: { model: mock/other }
`;
const RUNS = Number(process.env.PRIVILEGE_RUNS ?? 40);

/** A key's grant, in the dimensions the property draws. `null` = unlimited; empty models = every model. */
interface Grant {
  models: string[];
  max_budget: number | null;
  rpm_limit: number | null;
  tpm_limit: number | null;
  max_parallel_requests: number | null;
  duration: string | null;
}

const DURATION_HOURS: Record<string, number> = { '1h': 1, '2d': 48 };

const grantArbitrary: fc.Arbitrary<Grant> = fc.record({
  models: fc.constantFrom<string[]>([], ['demo'], ['other'], ['demo', 'other']),
  max_budget: fc.constantFrom(null, 0.5, 1, 5),
  rpm_limit: fc.constantFrom(null, 10, 100),
  tpm_limit: fc.constantFrom(null, 1_000, 50_000),
  max_parallel_requests: fc.constantFrom(null, 2, 8),
  duration: fc.constantFrom(null, '1h', '2d'),
});

/**
 * The oracle: does `target` hold more than `own` in any dimension? (Independent of the gateway's own comparison.)
 * `creating`: the target is a key being created now, whose expiry starts now (an equal duration ends after the
 * caller's) and which, asking for no duration, ends with the caller's key.
 */
function exceeds(target: Grant, own: Grant, { creating }: { creating: boolean }): boolean {
  const wider = (wanted: number | null, held: number | null): boolean => held !== null && (wanted === null || wanted > held);
  if (own.models.length > 0 && (target.models.length === 0 || target.models.some((model) => !own.models.includes(model)))) return true;
  if (wider(target.max_budget, own.max_budget) || wider(target.rpm_limit, own.rpm_limit) || wider(target.tpm_limit, own.tpm_limit)) return true;
  if (wider(target.max_parallel_requests, own.max_parallel_requests)) return true;
  if (own.duration === null) return false;
  if (target.duration === null) return !creating;
  const [wanted, held] = [DURATION_HOURS[target.duration], DURATION_HOURS[own.duration]];
  return creating ? wanted >= held : wanted > held;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('Privilege property: no non-admin caller grants, rotates, blocks or deletes more than it holds (e2e)', () => {
  let gateway: TestGateway;
  let run = 0;
  const { post, get } = apiClient(() => gateway.url, MASTER_KEY);
  const counts = { runs: 0, refused: 0, allowed: 0 };

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
  });

  afterAll(async () => {
    if (process.env.FUZZ_REPORT) process.stdout.write(`privilege property: ${counts.runs} runs, ${counts.refused} operations refused, ${counts.allowed} allowed\n`);
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  async function newUser(role = 'internal_user'): Promise<string> {
    const userId = `prop-user-${++run}-${role}`;
    expect((await post('/user/new', { user_id: userId, user_role: role, auto_create_key: false })).status).toBe(200);
    return userId;
  }

  async function newKey(userId: string, grant: Grant, extra: Json = {}): Promise<{ key: string; token: string }> {
    const { status, body } = await post<{ key: string; token: string }>('/key/generate', { user_id: userId, ...grant, ...extra });
    expect(status).toBe(200);
    return body;
  }

  /** The target's grant and state as the admin reads it; what a refused operation must leave untouched. */
  async function stateOf(token: string): Promise<Json> {
    const { status, body } = await get<{ info: Json }>(`/key/info?key=${token}`);
    if (status !== 200) return { status };
    const { models, max_budget, rpm_limit, tpm_limit, max_parallel_requests, expires, blocked, key_name, key_alias } = body.info;
    return { models, max_budget, rpm_limit, tpm_limit, max_parallel_requests, expires, blocked, key_name, key_alias };
  }

  /** Runs one operation as the caller: 403 and an untouched target when the target exceeds, 200 otherwise. */
  async function expectGuarded(label: string, shouldRefuse: boolean, targetToken: string, operation: () => Promise<{ status: number; body: Json }>): Promise<Json> {
    const before = await stateOf(targetToken);
    const { status, body } = await operation();
    if (shouldRefuse) {
      expect({ label, status }).toEqual({ label, status: 403 });
      expect(await stateOf(targetToken)).toEqual(before);
      counts.refused++;
    } else {
      expect({ label, status, body }).toEqual({ label, status: 200, body: expect.anything() });
      counts.allowed++;
    }
    return body;
  }

  it('should let a key act on a key of the same user only when that key grants no more than its own', async () => {
    await fc.assert(
      fc.asyncProperty(grantArbitrary, grantArbitrary, async (own, targetGrant) => {
        counts.runs++;
        const userId = await newUser();
        // The target first: with equal durations it then expires first, so only a wider grant exceeds.
        let target = await newKey(userId, targetGrant);
        const caller = await newKey(userId, own);
        const refuse = exceeds(targetGrant, own, { creating: false });

        await expectGuarded('update', refuse, target.token, () => post('/key/update', { key: target.token, key_alias: `alias-${run}` }, caller.key));
        await expectGuarded('block', refuse, target.token, () => post('/key/block', { key: target.token }, caller.key));
        if (!refuse) expect((await post('/key/unblock', { key: target.token })).status).toBe(200);
        // Unblocking is the admin's alone, whatever the grant.
        expect((await post('/key/block', { key: target.token })).status).toBe(200);
        expect((await post('/key/unblock', { key: target.token }, caller.key)).status).toBe(403);
        expect((await post('/key/unblock', { key: target.token })).status).toBe(200);

        for (const [label, request] of [
          ['regenerate', (token: string): [string, Json] => ['/key/regenerate', { key: token }]],
          ['regenerate in path', (token: string): [string, Json] => [`/key/${token}/regenerate`, {}]],
        ] as const) {
          const [path, body] = request(target.token);
          const rotated = await expectGuarded(label, refuse, target.token, () => post(path, body, caller.key));
          if (refuse) {
            // The target still answers with its own secret: nothing was rotated.
            expect((await get('/key/info', target.key)).status).toBe(200);
          } else {
            target = { key: rotated.key as string, token: sha256(rotated.key as string) };
          }
        }
        await expectGuarded('delete', refuse, target.token, () => post('/key/delete', { keys: [target.token] }, caller.key));

        // Creating: the new key's expiry starts now, so an equal duration already ends after the caller's.
        await sleep(2);
        const created = await post('/key/generate', { ...targetGrant }, caller.key);
        expect({ created: created.status }).toEqual({ created: exceeds(targetGrant, own, { creating: true }) ? 403 : 200 });
      }),
      { seed: FUZZ_SEED, numRuns: RUNS },
    );
  });

  it('should let a team admin grant members no larger budget than its own membership has', async () => {
    const budget = fc.constantFrom(null, 0, 1, 5, 20);
    await fc.assert(
      fc.asyncProperty(budget, budget, fc.boolean(), async (own, granted, toItself) => {
        counts.runs++;
        const [admin, member] = [await newUser(), await newUser()];
        const teamId = `prop-team-${run}`;
        expect(
          (
            await post('/team/new', {
              team_id: teamId,
              members_with_roles: [
                { role: 'admin', user_id: admin },
                { role: 'user', user_id: member },
              ],
            })
          ).status,
        ).toBe(200);
        if (own !== null) expect((await post('/team/member_update', { team_id: teamId, user_id: admin, max_budget_in_team: own })).status).toBe(200);
        const { key } = await newKey(admin, { models: [], max_budget: null, rpm_limit: null, tpm_limit: null, max_parallel_requests: null, duration: null });
        if (granted === null) return;
        const refuse = own !== null && granted > own;
        const { status } = await post('/team/member_update', { team_id: teamId, user_id: toItself ? admin : member, max_budget_in_team: granted }, key);
        expect({ own, granted, status }).toEqual({ own, granted, status: refuse ? 403 : 200 });
        const added = await post('/team/member_add', { team_id: teamId, member: { role: 'user', user_id: `prop-new-${run}` }, max_budget_in_team: granted }, key);
        expect({ own, granted, added: added.status }).toEqual({ own, granted, added: refuse ? 403 : 200 });
        if (refuse) counts.refused += 2;
        else counts.allowed += 2;
      }),
      { seed: FUZZ_SEED, numRuns: RUNS / 2 },
    );
  });

  it('should let an org admin create teams no wider than its organization', async () => {
    const teamGrant = fc.record({
      models: fc.constantFrom<string[]>([], ['demo'], ['demo', 'other']),
      max_budget: fc.constantFrom(null, 1, 10, 100),
      rpm_limit: fc.constantFrom(null, 10, 1_000),
    });
    await fc.assert(
      fc.asyncProperty(teamGrant, teamGrant, async (organization, team) => {
        counts.runs++;
        const organizationId = `prop-org-${++run}`;
        expect((await post('/organization/new', { organization_id: organizationId, ...organization })).status).toBe(200);
        const orgAdmin = await newUser('org_admin');
        expect((await post('/organization/member_add', { organization_id: organizationId, member: { user_id: orgAdmin, role: 'org_admin' } })).status).toBe(200);
        const { key } = await newKey(orgAdmin, { models: [], max_budget: null, rpm_limit: null, tpm_limit: null, max_parallel_requests: null, duration: null });
        const own: Grant = { ...organization, tpm_limit: null, max_parallel_requests: null, duration: null };
        const refuse = exceeds({ ...team, tpm_limit: null, max_parallel_requests: null, duration: null }, own, { creating: false });
        const { status } = await post('/team/new', { organization_id: organizationId, ...team }, key);
        expect({ organization, team, status }).toEqual({ organization, team, status: refuse ? 403 : 200 });
        // Whatever the grant, an org admin hands out no role above its own.
        expect((await post('/organization/member_add', { organization_id: organizationId, member: { user_id: orgAdmin, role: 'proxy_admin' } }, key)).status).toBe(403);
        if (refuse) counts.refused++;
        else counts.allowed++;
      }),
      { seed: FUZZ_SEED, numRuns: RUNS / 2 },
    );
  });
});
