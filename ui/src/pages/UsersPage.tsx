import { Button, Group, Menu, Select } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { CreateAndEditForms } from '../components/CreateAndEditForms';
import { DataTable } from '../components/DataTable';
import type { Field } from '../components/EntityForm';
import { listOf, money, PageHeader, SecretOnce, useAction, RowActions } from '../components/common';
import { useSession } from '../session';

type User = components['schemas']['UserRowDto'];
type NewUser = components['schemas']['NewUserDto'];
type UpdateUser = components['schemas']['UpdateUserDto'];

const PAGE_SIZE = 25;
const ROLES = ['proxy_admin', 'proxy_admin_viewer', 'org_admin', 'internal_user', 'internal_user_viewer'] as const;

/** `password` lets the user log in to this UI (stored hashed, never shown again). */
const USER_FIELDS: readonly Field<keyof NewUser | 'password'>[] = [
  { name: 'user_id', label: 'User id', kind: 'text', createOnly: true, description: 'Empty: generated' },
  { name: 'user_email', label: 'Email', kind: 'text' },
  { name: 'user_alias', label: 'Alias', kind: 'text' },
  { name: 'user_role', label: 'Role', kind: 'select', options: ROLES, required: true },
  { name: 'password', label: 'UI password', kind: 'password', description: 'Lets the user log in here; write-only' },
  { name: 'organization_id', label: 'Organization id', kind: 'text' },
  { name: 'teams', label: 'Teams', kind: 'list', createOnly: true },
  { name: 'models', label: 'Models', kind: 'list' },
  { name: 'max_budget', label: 'Max budget (USD)', kind: 'number', min: 0 },
  { name: 'budget_duration', label: 'Budget duration', kind: 'text' },
  { name: 'tpm_limit', label: 'TPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'rpm_limit', label: 'RPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'max_parallel_requests', label: 'Max parallel requests', kind: 'number', min: 0, decimals: false },
  { name: 'auto_create_key', label: 'Create a key for the user', kind: 'switch', createOnly: true },
  { name: 'metadata', label: 'Metadata (JSON)', kind: 'json' },
];

export function UsersPage() {
  const session = useSession();
  const act = useAction();
  const [page, setPage] = useState(1);
  const [role, setRole] = useState<(typeof ROLES)[number] | null>(null);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<User | null>(null);
  const [secret, setSecret] = useState<string | null>(null);
  const users = useQuery({
    queryKey: ['users', page, role],
    queryFn: async () => unwrap(await api.GET('/user/list', { params: { query: { page, page_size: PAGE_SIZE, ...(role ? { role } : {}) } } })),
  });

  return (
    <>
      <PageHeader title="Users">{session.isAdmin && <Button onClick={() => setCreating(true)}>Create user</Button>}</PageHeader>
      <Group mb="sm">
        <Select
          placeholder="Any role"
          aria-label="Filter by role"
          data={[...ROLES]}
          value={role}
          onChange={(value) => (setRole(value as (typeof ROLES)[number] | null), setPage(1))}
          clearable
        />
      </Group>
      <DataTable
        label="users"
        rows={users.data?.users}
        rowKey={(row) => row.user_id}
        loading={users.isFetching}
        error={users.error}
        page={page}
        totalPages={users.data?.total_pages}
        total={users.data?.total}
        onPage={setPage}
        columns={[
          { key: 'id', label: 'User id', render: (row) => row.user_id },
          { key: 'email', label: 'Email', render: (row) => row.user_email ?? '—' },
          { key: 'role', label: 'Role', render: (row) => row.user_role },
          { key: 'teams', label: 'Teams', render: (row) => listOf(row.teams) },
          { key: 'spend', label: 'Spend / budget', render: (row) => `${money(row.spend)} / ${money(row.max_budget)}` },
          {
            key: 'actions',
            label: '',
            render: (row) =>
              session.isAdmin && (
                <RowActions>
                  <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>
                  <Menu.Item color="red" onClick={() => void act('User deleted', async () => unwrap(await api.POST('/user/delete', { body: { user_ids: [row.user_id] } })))}>
                    Delete
                  </Menu.Item>
                </RowActions>
              ),
          },
        ]}
      />
      <CreateAndEditForms
        noun="user"
        fields={USER_FIELDS}
        creating={creating}
        editing={editing}
        nameOf={(row) => row.user_email ?? row.user_id}
        onCloseCreate={() => setCreating(false)}
        onCloseEdit={() => setEditing(null)}
        create={async (body) => {
          const created = unwrap(await api.POST('/user/new', { body: body as NewUser }));
          if (created.key) setSecret(created.key);
        }}
        update={async (row, body) => {
          unwrap(await api.POST('/user/update', { body: { ...(body as UpdateUser), user_id: row.user_id } }));
        }}
      />
      <SecretOnce secret={secret} onClose={() => setSecret(null)} />
    </>
  );
}
