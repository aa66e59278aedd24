import { Button, Menu } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { CreateAndEditForms } from '../components/CreateAndEditForms';
import { DataTable } from '../components/DataTable';
import { EntityForm, type Field } from '../components/EntityForm';
import { listOf, money, PageHeader, pageSlice, useAction, RowActions } from '../components/common';
import { useSession } from '../session';

type Organization = components['schemas']['OrganizationRowDto'];
type NewOrganization = components['schemas']['NewOrganizationDto'];
type UpdateOrganization = components['schemas']['UpdateOrganizationDto'];

const PAGE_SIZE = 25;

const ORGANIZATION_FIELDS: readonly Field<keyof NewOrganization>[] = [
  { name: 'organization_id', label: 'Organization id', kind: 'text', createOnly: true, description: 'Empty: generated' },
  { name: 'organization_alias', label: 'Alias', kind: 'text' },
  { name: 'models', label: 'Models', kind: 'list' },
  { name: 'max_budget', label: 'Max budget (USD)', kind: 'number', min: 0 },
  { name: 'budget_duration', label: 'Budget duration', kind: 'text' },
  { name: 'budget_id', label: 'Budget id', kind: 'text', createOnly: true },
  { name: 'tpm_limit', label: 'TPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'rpm_limit', label: 'RPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'max_parallel_requests', label: 'Max parallel requests', kind: 'number', min: 0, decimals: false },
  { name: 'metadata', label: 'Metadata (JSON)', kind: 'json' },
];

const MEMBER_FIELDS: readonly Field[] = [
  { name: 'user_id', label: 'User id', kind: 'text' },
  { name: 'user_email', label: 'User email', kind: 'text' },
  { name: 'role', label: 'Role', kind: 'select', options: ['org_admin', 'internal_user', 'internal_user_viewer'], required: true },
  { name: 'max_budget_in_organization', label: 'Budget in organization (USD)', kind: 'number', min: 0 },
];

export function OrganizationsPage() {
  const session = useSession();
  const act = useAction();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Organization | null>(null);
  const [adding, setAdding] = useState<Organization | null>(null);
  const organizations = useQuery({ queryKey: ['organizations'], queryFn: async () => unwrap(await api.GET('/organization/list')) });
  const shown = pageSlice(organizations.data, page, PAGE_SIZE);

  return (
    <>
      <PageHeader title="Organizations">{session.isAdmin && <Button onClick={() => setCreating(true)}>Create organization</Button>}</PageHeader>
      <DataTable
        label="organizations"
        rows={shown.rows}
        rowKey={(row) => row.organization_id}
        loading={organizations.isFetching}
        error={organizations.error}
        page={page}
        totalPages={shown.totalPages}
        total={shown.total}
        onPage={setPage}
        columns={[
          { key: 'alias', label: 'Alias', render: (row) => row.organization_alias ?? '—' },
          { key: 'id', label: 'Organization id', render: (row) => row.organization_id },
          { key: 'models', label: 'Models', render: (row) => listOf(row.models) },
          { key: 'spend', label: 'Spend / budget', render: (row) => `${money(row.spend)} / ${money(row.max_budget)}` },
          { key: 'limits', label: 'TPM / RPM', render: (row) => `${row.tpm_limit ?? '∞'} / ${row.rpm_limit ?? '∞'}` },
          {
            key: 'actions',
            label: '',
            render: (row) =>
              session.isAdmin && (
                <RowActions>
                  <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>
                  <Menu.Item onClick={() => setAdding(row)}>Add member</Menu.Item>
                  <Menu.Item
                    color="red"
                    onClick={() =>
                      void act('Organization deleted', async () => unwrap(await api.POST('/organization/delete', { body: { organization_ids: [row.organization_id] } })))
                    }
                  >
                    Delete
                  </Menu.Item>
                </RowActions>
              ),
          },
        ]}
      />
      <CreateAndEditForms
        noun="organization"
        fields={ORGANIZATION_FIELDS}
        creating={creating}
        editing={editing}
        nameOf={(row) => row.organization_alias ?? row.organization_id}
        onCloseCreate={() => setCreating(false)}
        onCloseEdit={() => setEditing(null)}
        create={async (body) => {
          unwrap(await api.POST('/organization/new', { body: body as NewOrganization }));
        }}
        update={async (row, body) => {
          unwrap(await api.POST('/organization/update', { body: { ...(body as UpdateOrganization), organization_id: row.organization_id } }));
        }}
      />
      {adding && (
        <EntityForm
          title={`Add a member to ${adding.organization_alias ?? adding.organization_id}`}
          opened
          onClose={() => setAdding(null)}
          fields={MEMBER_FIELDS}
          submitLabel="Add"
          onSubmit={async ({ max_budget_in_organization, ...member }) => {
            const body = { organization_id: adding.organization_id, member, ...(max_budget_in_organization !== undefined ? { max_budget_in_organization } : {}) };
            unwrap(await api.POST('/organization/member_add', { body: body as components['schemas']['OrganizationMemberAddDto'] }));
            await act('Member added', async () => undefined);
          }}
        />
      )}
    </>
  );
}
