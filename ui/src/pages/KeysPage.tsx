import { Button, Group, Menu, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { DataTable } from '../components/DataTable';
import { EntityForm, type Field } from '../components/EntityForm';
import { listOf, money, PageHeader, SecretOnce, StatusBadge, useAction, RowActions } from '../components/common';
import { useSession } from '../session';

type KeyRow = components['schemas']['KeyRowDto'];
type GenerateKey = components['schemas']['GenerateKeyDto'];
type UpdateKey = components['schemas']['UpdateKeyDto'];
type RegenerateKey = components['schemas']['RegenerateKeyDto'];

const PAGE_SIZE = 25;

/** Every field /key/generate takes that a person sets by hand. */
const KEY_FIELDS: readonly Field<keyof GenerateKey>[] = [
  { name: 'key_alias', label: 'Alias', kind: 'text' },
  { name: 'models', label: 'Models', kind: 'list', description: 'Empty: every model' },
  { name: 'max_budget', label: 'Max budget (USD)', kind: 'number', min: 0 },
  { name: 'soft_budget', label: 'Soft budget (USD)', kind: 'number', min: 0 },
  { name: 'budget_duration', label: 'Budget duration', kind: 'text', description: 'e.g. 30d, 1h' },
  { name: 'tpm_limit', label: 'TPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'rpm_limit', label: 'RPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'max_parallel_requests', label: 'Max parallel requests', kind: 'number', min: 0, decimals: false },
  { name: 'duration', label: 'Expires after', kind: 'text', description: 'e.g. 30d; empty: never' },
  { name: 'team_id', label: 'Team id', kind: 'text' },
  { name: 'user_id', label: 'User id', kind: 'text' },
  { name: 'organization_id', label: 'Organization id', kind: 'text' },
  { name: 'budget_id', label: 'Budget id', kind: 'text' },
  { name: 'tags', label: 'Tags', kind: 'list' },
  { name: 'guardrails', label: 'Guardrails', kind: 'list' },
  { name: 'allowed_routes', label: 'Allowed routes', kind: 'list' },
  { name: 'enforced_params', label: 'Enforced params', kind: 'list' },
  { name: 'rotation_interval', label: 'Rotation interval', kind: 'text', description: 'with auto-rotate, e.g. 30d' },
  { name: 'auto_rotate', label: 'Auto-rotate', kind: 'switch' },
  { name: 'metadata', label: 'Metadata (JSON)', kind: 'json' },
  { name: 'model_max_budget', label: 'Per-model budgets (JSON)', kind: 'json' },
  { name: 'model_tpm_limit', label: 'Per-model TPM (JSON)', kind: 'json' },
  { name: 'model_rpm_limit', label: 'Per-model RPM (JSON)', kind: 'json' },
  { name: 'aliases', label: 'Model aliases (JSON)', kind: 'json' },
  { name: 'permissions', label: 'Permissions (JSON)', kind: 'json' },
];

const EDIT_FIELDS = KEY_FIELDS.filter((field) => field.name !== 'duration');

const REGENERATE_FIELDS: readonly Field<keyof RegenerateKey>[] = [
  { name: 'grace_period', label: 'Grace period', kind: 'text', description: 'How long the old key keeps working, e.g. 24h; empty: none' },
  { name: 'key_alias', label: 'New alias', kind: 'text' },
];

export function KeysPage() {
  const session = useSession();
  const act = useAction();
  const [page, setPage] = useState(1);
  const [alias, setAlias] = useState('');
  const [team, setTeam] = useState('');
  const [user, setUser] = useState('');
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<KeyRow | null>(null);
  const [rotating, setRotating] = useState<KeyRow | null>(null);
  const [secret, setSecret] = useState<string | null>(null);

  const keys = useQuery({
    queryKey: ['keys', page, alias, team, user],
    queryFn: async () =>
      unwrap(
        await api.GET('/key/list', {
          params: {
            query: {
              page,
              size: PAGE_SIZE,
              return_full_object: true,
              sort_by: 'created_at',
              sort_order: 'desc',
              ...(alias ? { key_alias: alias } : {}),
              ...(team ? { team_id: team } : {}),
              ...(user ? { user_id: user } : {}),
            },
          },
        }),
      ),
  });
  const rows = (keys.data?.keys ?? []).filter((key): key is KeyRow => typeof key === 'object');
  const filter = (set: (value: string) => void) => (value: string) => {
    set(value);
    setPage(1);
  };

  return (
    <>
      <PageHeader title="Keys">{session.canEditKeys && <Button onClick={() => setCreating(true)}>Create key</Button>}</PageHeader>
      <Group mb="sm">
        <TextInput placeholder="Alias (exact)" aria-label="Search by alias" value={alias} onChange={(event) => filter(setAlias)(event.currentTarget.value)} />
        <TextInput placeholder="Team id" aria-label="Filter by team" value={team} onChange={(event) => filter(setTeam)(event.currentTarget.value)} />
        <TextInput placeholder="User id" aria-label="Filter by user" value={user} onChange={(event) => filter(setUser)(event.currentTarget.value)} />
      </Group>
      <DataTable
        label="keys"
        rows={rows}
        rowKey={(row) => row.token}
        loading={keys.isFetching}
        error={keys.error}
        page={page}
        totalPages={keys.data?.total_pages}
        total={keys.data?.total_count}
        onPage={setPage}
        columns={[
          { key: 'alias', label: 'Alias', render: (row) => row.key_alias ?? '—' },
          { key: 'name', label: 'Key', render: (row) => row.key_name },
          { key: 'team', label: 'Team', render: (row) => row.team_id ?? '—' },
          { key: 'user', label: 'User', render: (row) => row.user_id ?? '—' },
          { key: 'models', label: 'Models', render: (row) => listOf(row.models) },
          { key: 'spend', label: 'Spend / budget', render: (row) => `${money(row.spend)} / ${money(row.max_budget)}` },
          { key: 'limits', label: 'TPM / RPM', render: (row) => `${row.tpm_limit ?? '∞'} / ${row.rpm_limit ?? '∞'}` },
          { key: 'expires', label: 'Expires', render: (row) => (row.expires ? new Date(row.expires).toLocaleString() : 'never') },
          { key: 'status', label: 'Status', render: (row) => <StatusBadge blocked={row.blocked} /> },
          {
            key: 'actions',
            label: '',
            render: (row) =>
              session.canEditKeys && (
                <RowActions label={`Actions for ${row.key_alias ?? row.key_name}`}>
                  <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>
                  <Menu.Item onClick={() => setRotating(row)}>Regenerate</Menu.Item>
                  <Menu.Item
                    onClick={() =>
                      void act(row.blocked ? 'Key unblocked' : 'Key blocked', async () =>
                        unwrap(await (row.blocked ? api.POST('/key/unblock', { body: { key: row.token } }) : api.POST('/key/block', { body: { key: row.token } }))),
                      )
                    }
                  >
                    {row.blocked ? 'Unblock' : 'Block'}
                  </Menu.Item>
                  <Menu.Item color="red" onClick={() => void act('Key deleted', async () => unwrap(await api.POST('/key/delete', { body: { keys: [row.token] } })))}>
                    Delete
                  </Menu.Item>
                </RowActions>
              ),
          },
        ]}
      />
      {creating && (
        <EntityForm
          title="Create key"
          opened
          onClose={() => setCreating(false)}
          fields={KEY_FIELDS}
          submitLabel="Create"
          onSubmit={async (body) => {
            const created = unwrap(await api.POST('/key/generate', { body: body as GenerateKey }));
            setSecret(created.key);
            await act('Key created', async () => undefined);
          }}
        />
      )}
      {editing && (
        <EntityForm
          title={`Edit ${editing.key_alias ?? editing.key_name}`}
          opened
          editing
          onClose={() => setEditing(null)}
          fields={EDIT_FIELDS}
          initial={editing}
          onSubmit={async (body) => {
            unwrap(await api.POST('/key/update', { body: { ...(body as UpdateKey), key: editing.token } }));
            await act('Key saved', async () => undefined);
          }}
        />
      )}
      {rotating && (
        <EntityForm
          title={`Regenerate ${rotating.key_alias ?? rotating.key_name}`}
          opened
          onClose={() => setRotating(null)}
          fields={REGENERATE_FIELDS}
          submitLabel="Regenerate"
          onSubmit={async (body) => {
            const created = unwrap(await api.POST('/key/{key}/regenerate', { params: { path: { key: rotating.token } }, body: body as RegenerateKey }));
            setSecret(created.key);
            await act('Key regenerated', async () => undefined);
          }}
        />
      )}
      <SecretOnce secret={secret} onClose={() => setSecret(null)} />
    </>
  );
}
