import { DataSource } from 'typeorm';
import { TeamDirectory } from '../src/teams/team-directory.service';
import { SpendLedgerService } from '../src/spend/spend-ledger.service';
import { apiClient, type Json } from './support/api-client';
import { discardStorage, startGateway, type TestGateway } from './support/gateway-harness';
import { recordSettledCall, spendRow } from './support/spend-row.fixture';

const MASTER_KEY = 'sk-teams-master';
const CONFIG = `
general_settings:
  master_key: ${MASTER_KEY}
model_list:
  - model_name: demo
    litellm_params: { model: mock/demo }
`;

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string };
}
type Member = { role: string; user_id: string | null; user_email: string | null };
type TeamRow = Json & { team_id: string; members_with_roles: Member[]; spend: number; blocked: boolean; metadata: Json };

describe('Teams, internal users and organizations: LiteLLM management API (e2e)', () => {
  let gateway: TestGateway;
  let teams: TeamDirectory;
  let ledger: SpendLedgerService;
  let db: DataSource;

  beforeAll(async () => {
    gateway = await startGateway(CONFIG);
    teams = gateway.app.get(TeamDirectory);
    ledger = gateway.app.get(SpendLedgerService);
    db = gateway.app.get(DataSource);
  });

  afterAll(async () => {
    await gateway?.close();
    if (gateway) discardStorage(gateway.storage);
  });

  const { post, get } = apiClient(() => gateway.url, MASTER_KEY);

  it('should run a team life cycle: creator auto-admin, member_add of a list, update, 404 after delete', async () => {
    const created = await post<TeamRow>('/team/new', {
      team_alias: 'research',
      members_with_roles: [{ role: 'admin', user_id: 'team-admin-1' }],
      max_budget: 10,
      budget_duration: '30d',
      models: ['demo'],
      tags: ['teamA'],
      metadata: { spend_logs_metadata: { cost_center: 'r&d' } },
      model_aliases: { cheap: 'demo' },
    });
    expect(created.status).toBe(200);
    const teamId = created.body.team_id;
    expect(teamId).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.body.members_with_roles).toEqual([
      { role: 'admin', user_id: 'team-admin-1', user_email: null },
      { role: 'admin', user_id: 'default_user_id', user_email: null },
    ]);
    expect(created.body).toMatchObject({
      team_alias: 'research',
      max_budget: 10,
      models: ['demo'],
      spend: 0,
      blocked: false,
      metadata: { tags: ['teamA'], spend_logs_metadata: { cost_center: 'r&d' } },
    });
    expect(created.body.budget_reset_at).not.toBeNull();

    const members = Array.from({ length: 10 }, (_, index) => ({ role: 'user', user_id: `member-${index}@example.com` }));
    const added = await post<TeamRow & { updated_users: Json[]; updated_team_memberships: Json[] }>('/team/member_add', { team_id: teamId, member: members });
    expect(added.status).toBe(200);
    expect(added.body.updated_users).toHaveLength(10);
    expect(added.body.updated_team_memberships).toHaveLength(10);

    const info = await get<{ team_id: string; team_info: TeamRow; keys: unknown[]; team_memberships: Json[] }>(`/team/info?team_id=${teamId}`);
    expect(info.status).toBe(200);
    expect(info.body.team_info.members_with_roles).toHaveLength(12);
    expect(info.body.keys).toEqual([]);
    expect(info.body.team_memberships).toHaveLength(12);

    const updated = await post<{ team_id: string; data: TeamRow }>('/team/update', { team_id: teamId, team_alias: 'research-2' });
    expect(updated.status).toBe(200);
    expect(updated.body.team_id).toBe(teamId);
    const { team_alias: alias, updated_at: _u1, ...rest } = updated.body.data;
    const { team_alias: _old, updated_at: _u2, ...before } = info.body.team_info;
    expect(alias).toBe('research-2');
    expect(rest).toEqual(before);

    const memberInfo = await get<{ teams: { team_id: string }[] }>('/user/info?user_id=member-3@example.com');
    expect(memberInfo.body.teams.map((team) => team.team_id)).toEqual([teamId]);

    const listed = await get<TeamRow[]>('/team/list');
    expect(listed.body.some((team) => team.team_id === teamId)).toBe(true);

    expect((await post('/team/delete', { team_ids: [teamId] })).status).toBe(200);
    const gone = await get<ErrorBody>(`/team/info?team_id=${teamId}`);
    expect(gone.status).toBe(404);
    expect(gone.body.error.code).toBe('404');
    const after = await get<{ teams: unknown[]; user_info: { teams: string[] } }>('/user/info?user_id=member-3@example.com');
    expect(after.body.teams).toEqual([]);
    expect(after.body.user_info.teams).toEqual([]);
    expect(await teams.findTeam(teamId)).toBeNull();
  });

  it('should keep the team row unchanged but for the alias after member_add then update (LiteLLM test_team_update_sc_2)', async () => {
    expect((await post('/user/new', { user_id: 'sc2-admin' })).status).toBe(200);
    const created = await post<TeamRow>('/team/new', { team_alias: 'sc2', members_with_roles: [{ role: 'admin', user_id: 'sc2-admin' }] });
    const teamId = created.body.team_id;
    const members = Array.from({ length: 10 }, (_, i) => ({ role: 'user', user_id: `krrish_${i}_${teamId}@berri.ai` }));
    expect((await post('/team/member_add', { team_id: teamId, member: members })).status).toBe(200);
    const info = await get<{ team_info: TeamRow }>(`/team/info?team_id=${teamId}`);
    expect(info.body.team_info.members_with_roles).toHaveLength(12);

    const updated = await post<{ data: TeamRow }>('/team/update', { team_id: teamId, team_alias: 'my-new-team' });
    expect(updated.body.data.team_alias).toBe('my-new-team');
    // LiteLLM's check, field by field, against the /team/new response.
    const ignored = new Set(['team_alias', 'members_with_roles', 'created_at', 'updated_at', 'model_spend', 'model_max_budget', 'litellm_model_table']);
    for (const [field, value] of Object.entries(updated.body.data)) if (!ignored.has(field)) expect({ field, value }).toEqual({ field, value: created.body[field] });
    // The deprecated list is what /team/new was given; the members live in members_with_roles.
    expect(updated.body.data.members).toEqual([]);
    const withDeprecated = await post<TeamRow>('/team/new', { team_alias: 'old-style', members: ['sc2-admin'] });
    expect(withDeprecated.body.members).toEqual(['sc2-admin']);
    expect(withDeprecated.body.members_with_roles).toEqual(expect.arrayContaining([{ role: 'user', user_id: 'sc2-admin', user_email: null }]));
  });

  it('should add members by email (creating users), refuse duplicates, update and delete members', async () => {
    const team = (await post<TeamRow>('/team/new', { team_id: 'members-team' })).body;
    expect(team.team_id).toBe('members-team');
    expect((await post<ErrorBody>('/team/new', { team_id: 'members-team' })).status).toBe(400);

    const byEmail = await post<TeamRow>('/team/member_add', { team_id: 'members-team', member: { role: 'user', user_email: 'ada@example.com' } });
    expect(byEmail.status).toBe(200);
    const ada = byEmail.body.members_with_roles.find((member) => member.user_email === 'ada@example.com');
    expect(ada?.user_id).toEqual(expect.any(String));
    const adaInfo = await get<{ user_info: Json; teams: { team_id: string }[] }>(`/user/info?user_id=${ada!.user_id}`);
    expect(adaInfo.body.user_info).toMatchObject({ user_email: 'ada@example.com', user_role: 'internal_user' });
    expect(adaInfo.body.teams.map((entry) => entry.team_id)).toEqual(['members-team']);

    const duplicate = await post<ErrorBody>('/team/member_add', { team_id: 'members-team', member: { role: 'admin', user_email: 'ada@example.com' } });
    expect(duplicate.status).toBe(400);
    expect(duplicate.body.error.message).toContain('already in team');
    expect((await post('/team/member_add', { team_id: 'members-team', member: [{ user_id: 'bob' }, { user_id: 'bob' }] })).status).toBe(400);
    expect((await post<ErrorBody>('/team/member_add', { team_id: 'no-such-team', member: { user_id: 'bob' } })).status).toBe(400);

    expect((await post('/team/member_add', { team_id: 'members-team', member: { user_id: 'bob' }, max_budget_in_team: 5 })).status).toBe(200);
    expect(await teams.findMembership('members-team', 'bob')).toEqual({ teamId: 'members-team', userId: 'bob', maxBudgetInTeam: 5 });
    const memberUpdate = await post('/team/member_update', { team_id: 'members-team', user_id: 'bob', max_budget_in_team: 1e-7, role: 'admin' });
    expect(memberUpdate).toEqual({ status: 200, body: { team_id: 'members-team', user_id: 'bob', user_email: null, max_budget_in_team: 1e-7 } });
    expect((await teams.findMembership('members-team', 'bob'))?.maxBudgetInTeam).toBe(1e-7);
    expect((await teams.findTeam('members-team'))?.members.find((member) => member.userId === 'bob')?.role).toBe('admin');
    const bobInfo = await get<{ teams: { team_memberships: { spend: number; litellm_budget_table: { max_budget: number } }[] }[] }>('/user/info?user_id=bob');
    expect(bobInfo.body.teams[0].team_memberships[0].litellm_budget_table.max_budget).toBe(1e-7);

    const removed = await post<TeamRow>('/team/member_delete', { team_id: 'members-team', user_email: 'ada@example.com' });
    expect(removed.status).toBe(200);
    expect(removed.body.members_with_roles.some((member) => member.user_email === 'ada@example.com')).toBe(false);
    expect((await post<ErrorBody>('/team/member_delete', { team_id: 'members-team', user_email: 'ada@example.com' })).status).toBe(400);
    expect((await teams.findUser(ada!.user_id!))?.teams).toEqual([]);
  });

  it('should block and unblock a team, visible to findTeam at once', async () => {
    await post('/team/new', { team_id: 'block-me', rpm_limit: 5 });
    expect((await teams.findTeam('block-me'))?.blocked).toBe(false);
    const blocked = await post<TeamRow>('/team/block', { team_id: 'block-me' });
    expect(blocked.status).toBe(200);
    expect(blocked.body.blocked).toBe(true);
    expect((await teams.findTeam('block-me'))?.blocked).toBe(true);
    expect((await post<TeamRow>('/team/unblock', { team_id: 'block-me' })).body.blocked).toBe(false);
    expect((await teams.findTeam('block-me'))?.blocked).toBe(false);
    const missing = await post<ErrorBody>('/team/block', { team_id: 'nope' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('Team not found, passed team_id=nope');
    const update = await post<ErrorBody>('/team/update', { team_id: 'nope', team_alias: 'x' });
    expect(update.status).toBe(400);
    expect(update.body.error.message).toBe('Team not found, passed team_id=nope');
  });

  it('should run a user life cycle: /user/new returns a working key; info, update (spend), delete', async () => {
    await post('/team/new', { team_id: 'user-team' });
    const created = await post<Json & { key: string; user_id: string }>('/user/new', { user_email: 'eve@example.com', max_budget: 10, models: ['demo'], team_id: 'user-team' });
    expect(created.status).toBe(200);
    expect(created.body.key).toMatch(/^sk-/);
    expect(created.body).toMatchObject({ user_email: 'eve@example.com', user_role: 'internal_user', max_budget: 10, models: ['demo'], teams: ['user-team'] });
    const userId = created.body.user_id;

    const models = await get<{ data: { id: string }[] }>('/v1/models', created.body.key);
    expect(models.status).toBe(200);

    const info = await get<{ user_id: string; user_info: Json; keys: Json[]; teams: { team_id: string }[] }>(`/user/info?user_id=${userId}`);
    expect(info.status).toBe(200);
    expect(info.body.user_info).toMatchObject({ user_id: userId, spend: 0, max_budget: 10 });
    expect(info.body.keys).toHaveLength(1);
    expect(info.body.keys[0]).toMatchObject({ user_id: userId, team_id: 'user-team' });
    expect(info.body.teams.map((team) => team.team_id)).toEqual(['user-team']);
    expect((await teams.findTeam('user-team'))?.members.some((member) => member.userId === userId)).toBe(true);

    const spend = await post<Json>('/user/update', { user_id: userId, spend: 2.5, max_budget: 20 });
    expect(spend.status).toBe(200);
    expect(spend.body).toMatchObject({ spend: 2.5, max_budget: 20 });
    expect(await teams.findUser(userId)).toMatchObject({ maxBudget: 20 });
    expect((await get<{ user_info: Json }>(`/user/info?user_id=${userId}`)).body.user_info).toMatchObject({ spend: 2.5 });
    expect((await post('/user/update', { user_id: 'litellm-proxy-budget', spend: 0 })).status).toBe(200);
    expect((await post('/user/update', { user_id: 'litellm-proxy-budget', spend: 0 })).status).toBe(200);

    const listed = await get<{ users: { user_id: string }[]; total: number }>('/user/list?page_size=100');
    expect(listed.status).toBe(200);
    expect(listed.body.users.some((user) => user.user_id === userId)).toBe(true);

    expect((await post<ErrorBody>('/user/new', { user_id: userId })).status).toBe(400);

    const deleted = await post('/user/delete', { user_ids: [userId] });
    expect(deleted.status).toBe(200);
    expect((await get(`/user/info?user_id=${userId}`)).status).toBe(404);
    expect(await teams.findUser(userId)).toBeNull();
    expect((await get('/v1/models', created.body.key)).status).toBe(401);
  });

  it('should run an organization life cycle; a team naming an unknown organization gets 400', async () => {
    const org = await post<Json & { organization_id: string }>('/organization/new', { organization_alias: 'acme', max_budget: 100, models: ['demo'] });
    expect(org.status).toBe(200);
    const orgId = org.body.organization_id;
    expect(org.body).toMatchObject({ organization_alias: 'acme', max_budget: 100, spend: 0 });

    const team = await post<TeamRow>('/team/new', { team_id: 'org-team', organization_id: orgId });
    expect(team.status).toBe(200);
    expect(team.body.organization_id).toBe(orgId);
    const unknown = await post<ErrorBody>('/team/new', { organization_id: 'no-such-org' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toBe('Organization not found, passed organization_id=no-such-org');

    await post('/user/new', { user_id: 'org-user', auto_create_key: false });
    const memberAdd = await post('/organization/member_add', { organization_id: orgId, member: [{ role: 'org_admin', user_id: 'org-user' }] });
    expect(memberAdd.status).toBe(200);

    const info = await get<Json & { members: Json[]; teams: Json[] }>(`/organization/info?organization_id=${orgId}`);
    expect(info.status).toBe(200);
    expect(info.body.members).toEqual([expect.objectContaining({ user_id: 'org-user', user_role: 'org_admin' })]);
    expect(info.body.teams).toEqual([expect.objectContaining({ team_id: 'org-team' })]);
    expect((await post<Json[]>('/organization/info', { organizations: [orgId] })).body).toHaveLength(1);

    const updated = await post<Json>('/organization/update', { organization_id: orgId, organization_alias: 'acme-2' });
    expect(updated.body).toMatchObject({ organization_alias: 'acme-2' });
    expect((await get<Json[]>('/organization/list')).body.some((row) => row.organization_id === orgId)).toBe(true);

    expect((await post('/organization/delete', { organization_ids: [orgId] })).status).toBe(200);
    expect((await get(`/organization/info?organization_id=${orgId}`)).status).toBe(404);
    expect((await teams.findTeam('org-team'))?.organizationId ?? null).toBeNull();
  });

  it('should refuse unknown fields with 400', async () => {
    for (const [path, body] of [
      ['/team/new', { foo: 1 }],
      ['/user/new', { foo: 1 }],
      ['/organization/new', { foo: 1 }],
      ['/team/member_add', { team_id: 'x', member: { user_id: 'a', foo: 1 } }],
    ] as const) {
      const response = await post<ErrorBody>(path, body);
      expect(response.status).toBe(400);
      expect(response.body.error.message).toContain('foo should not exist');
    }
  });

  it('should show recorded spend of team, user and membership at once and persist it through the ledger', async () => {
    await post('/team/new', { team_id: 'spend-team', members_with_roles: [{ role: 'user', user_id: 'spender' }] });
    for (const cost of [0.25, 0.5]) await recordSettledCall(gateway.app, spendRow({ team_id: 'spend-team', user: 'spender', spend: cost }));
    const info = await get<{ team_info: TeamRow; team_memberships: { user_id: string; spend: number }[] }>('/team/info?team_id=spend-team');
    expect(info.body.team_info.spend).toBe(0.75);
    expect(info.body.team_memberships.find((membership) => membership.user_id === 'spender')?.spend).toBe(0.75);
    expect((await get<{ user_info: Json }>('/user/info?user_id=spender')).body.user_info.spend).toBe(0.75);
    await ledger.flush();
    const [teamRow] = (await db.query(`SELECT spend FROM tollgate_teams WHERE team_id = 'spend-team'`)) as { spend: number }[];
    const [userRow] = (await db.query(`SELECT spend FROM tollgate_users WHERE user_id = 'spender'`)) as { spend: number }[];
    const [memberRow] = (await db.query(`SELECT spend FROM tollgate_team_memberships WHERE team_id = 'spend-team' AND user_id = 'spender'`)) as { spend: number }[];
    expect([teamRow.spend, userRow.spend, memberRow.spend]).toEqual([0.75, 0.75, 0.75]);
  });
});
