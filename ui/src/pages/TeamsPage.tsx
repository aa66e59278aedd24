import { Button, Group, Menu, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { CreateAndEditForms } from '../components/CreateAndEditForms';
import { DataTable } from '../components/DataTable';
import { EntityForm, type Field } from '../components/EntityForm';
import { listOf, money, PageHeader, pageSlice, StatusBadge, useAction, RowActions } from '../components/common';
import { useSession } from '../session';

type Team = components['schemas']['TeamRowDto'];
type NewTeam = components['schemas']['NewTeamDto'];
type UpdateTeam = components['schemas']['UpdateTeamDto'];

const PAGE_SIZE = 25;

const TEAM_FIELDS: readonly Field<keyof NewTeam>[] = [
  { name: 'team_id', label: 'Team id', kind: 'text', createOnly: true, description: 'Empty: generated' },
  { name: 'team_alias', label: 'Alias', kind: 'text' },
  { name: 'organization_id', label: 'Organization id', kind: 'text' },
  { name: 'models', label: 'Models', kind: 'list' },
  { name: 'max_budget', label: 'Max budget (USD)', kind: 'number', min: 0 },
  { name: 'budget_duration', label: 'Budget duration', kind: 'text' },
  { name: 'tpm_limit', label: 'TPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'rpm_limit', label: 'RPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'max_parallel_requests', label: 'Max parallel requests', kind: 'number', min: 0, decimals: false },
  { name: 'tags', label: 'Tags', kind: 'list' },
  { name: 'guardrails', label: 'Guardrails', kind: 'list' },
  { name: 'metadata', label: 'Metadata (JSON)', kind: 'json' },
  { name: 'model_aliases', label: 'Model aliases (JSON)', kind: 'json' },
];

const MEMBER_FIELDS: readonly Field[] = [
  { name: 'user_id', label: 'User id', kind: 'text' },
  { name: 'user_email', label: 'User email', kind: 'text' },
  { name: 'role', label: 'Role', kind: 'select', options: ['user', 'admin'], required: true },
  { name: 'max_budget_in_team', label: 'Budget in team (USD)', kind: 'number', min: 0 },
];

export function TeamsPage() {
  const session = useSession();
  const act = useAction();
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Team | null>(null);
  const [adding, setAdding] = useState<Team | null>(null);
  const teams = useQuery({ queryKey: ['teams'], queryFn: async () => unwrap(await api.GET('/team/list')) });
  const matching = (teams.data ?? []).filter((team) => !search || `${team.team_id} ${team.team_alias ?? ''}`.toLowerCase().includes(search.toLowerCase()));
  const shown = pageSlice(matching, page, PAGE_SIZE);

  return (
    <>
      <PageHeader title="Teams">{session.isAdmin && <Button onClick={() => setCreating(true)}>Create team</Button>}</PageHeader>
      <Group mb="sm">
        <TextInput placeholder="Search teams" aria-label="Search teams" value={search} onChange={(event) => (setSearch(event.currentTarget.value), setPage(1))} />
      </Group>
      <DataTable
        label="teams"
        rows={shown.rows}
        rowKey={(row) => row.team_id}
        loading={teams.isFetching}
        error={teams.error}
        page={page}
        totalPages={shown.totalPages}
        total={shown.total}
        onPage={setPage}
        columns={[
          { key: 'alias', label: 'Alias', render: (row) => row.team_alias ?? '—' },
          { key: 'id', label: 'Team id', render: (row) => row.team_id },
          { key: 'org', label: 'Organization', render: (row) => row.organization_id ?? '—' },
          { key: 'models', label: 'Models', render: (row) => listOf(row.models) },
          {
            key: 'members',
            label: 'Members and roles',
            render: (row) => listOf(row.members_with_roles.map((member) => `${member.user_id ?? member.user_email ?? '?'} (${member.role})`)),
          },
          { key: 'spend', label: 'Spend / budget', render: (row) => `${money(row.spend)} / ${money(row.max_budget)}` },
          { key: 'status', label: 'Status', render: (row) => <StatusBadge blocked={row.blocked} /> },
          {
            key: 'actions',
            label: '',
            render: (row) =>
              session.isAdmin && (
                <RowActions>
                  <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>
                  <Menu.Item onClick={() => setAdding(row)}>Add member</Menu.Item>
                  <Menu.Item
                    onClick={() =>
                      void act(row.blocked ? 'Team unblocked' : 'Team blocked', async () =>
                        unwrap(await (row.blocked ? api.POST('/team/unblock', { body: { team_id: row.team_id } }) : api.POST('/team/block', { body: { team_id: row.team_id } }))),
                      )
                    }
                  >
                    {row.blocked ? 'Unblock' : 'Block'}
                  </Menu.Item>
                  <Menu.Item color="red" onClick={() => void act('Team deleted', async () => unwrap(await api.POST('/team/delete', { body: { team_ids: [row.team_id] } })))}>
                    Delete
                  </Menu.Item>
                </RowActions>
              ),
          },
        ]}
      />
      <CreateAndEditForms
        noun="team"
        fields={TEAM_FIELDS}
        creating={creating}
        editing={editing}
        nameOf={(row) => row.team_alias ?? row.team_id}
        onCloseCreate={() => setCreating(false)}
        onCloseEdit={() => setEditing(null)}
        create={async (body) => {
          unwrap(await api.POST('/team/new', { body: body as NewTeam }));
        }}
        update={async (row, body) => {
          unwrap(await api.POST('/team/update', { body: { ...(body as UpdateTeam), team_id: row.team_id } }));
        }}
      />
      {adding && (
        <EntityForm
          title={`Add a member to ${adding.team_alias ?? adding.team_id}`}
          opened
          onClose={() => setAdding(null)}
          fields={MEMBER_FIELDS}
          submitLabel="Add"
          onSubmit={async ({ max_budget_in_team, ...member }) => {
            const body = { team_id: adding.team_id, member, ...(max_budget_in_team !== undefined ? { max_budget_in_team } : {}) };
            unwrap(await api.POST('/team/member_add', { body: body as components['schemas']['MemberAddDto'] }));
            await act('Member added', async () => undefined);
          }}
        />
      )}
    </>
  );
}
