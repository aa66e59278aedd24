import { Button, Menu } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { CreateAndEditForms } from '../components/CreateAndEditForms';
import { DataTable } from '../components/DataTable';
import type { Field } from '../components/EntityForm';
import { money, PageHeader, StatusBadge, useAction, RowActions } from '../components/common';
import { useSession } from '../session';

type Customer = components['schemas']['CustomerRowDto'];
type NewCustomer = components['schemas']['NewCustomerDto'];
type UpdateCustomer = components['schemas']['UpdateCustomerDto'];

const PAGE_SIZE = 25;

const CUSTOMER_FIELDS: readonly Field<keyof NewCustomer>[] = [
  { name: 'user_id', label: 'End-user id', kind: 'text', required: true, createOnly: true },
  { name: 'alias', label: 'Alias', kind: 'text' },
  { name: 'default_model', label: 'Default model', kind: 'text' },
  { name: 'allowed_model_region', label: 'Allowed region', kind: 'select', options: ['eu', 'us'] },
  { name: 'budget_id', label: 'Budget id', kind: 'text' },
  { name: 'max_budget', label: 'Max budget (USD)', kind: 'number', min: 0 },
  { name: 'soft_budget', label: 'Soft budget (USD)', kind: 'number', min: 0 },
  { name: 'budget_duration', label: 'Budget duration', kind: 'text' },
  { name: 'tpm_limit', label: 'TPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'rpm_limit', label: 'RPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'max_parallel_requests', label: 'Max parallel requests', kind: 'number', min: 0, decimals: false },
];

export function CustomersPage() {
  const session = useSession();
  const act = useAction();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Customer | null>(null);
  // Paged on the server; the answer has no total, so a full page means there may be another one.
  const customers = useQuery({
    queryKey: ['customers', page],
    queryFn: async () => unwrap(await api.GET('/customer/list', { params: { query: { page, page_size: PAGE_SIZE } } })),
  });
  const rows = customers.data ?? [];
  const totalPages = rows.length === PAGE_SIZE ? page + 1 : page;
  const block = (row: Customer) =>
    act(row.blocked ? 'End user unblocked' : 'End user blocked', async () =>
      row.blocked
        ? unwrap(await api.POST('/customer/unblock', { body: { user_ids: [row.user_id] } }))
        : unwrap(await api.POST('/customer/block', { body: { user_ids: [row.user_id] } })),
    );

  return (
    <>
      <PageHeader title="End users">{session.isAdmin && <Button onClick={() => setCreating(true)}>Create end user</Button>}</PageHeader>
      <DataTable
        label="customers"
        rows={rows}
        rowKey={(row) => row.user_id}
        loading={customers.isFetching}
        error={customers.error}
        page={page}
        totalPages={totalPages}
        onPage={setPage}
        columns={[
          { key: 'id', label: 'End-user id', render: (row) => row.user_id },
          { key: 'alias', label: 'Alias', render: (row) => row.alias ?? '—' },
          { key: 'region', label: 'Region', render: (row) => row.allowed_model_region ?? 'any' },
          { key: 'spend', label: 'Spend / budget', render: (row) => `${money(row.spend)} / ${money(row.litellm_budget_table?.max_budget)}` },
          { key: 'status', label: 'Status', render: (row) => <StatusBadge blocked={row.blocked} /> },
          {
            key: 'actions',
            label: '',
            render: (row) =>
              session.isAdmin && (
                <RowActions>
                  <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>
                  <Menu.Item onClick={() => void block(row)}>{row.blocked ? 'Unblock' : 'Block'}</Menu.Item>
                  <Menu.Item
                    color="red"
                    onClick={() => void act('End user deleted', async () => unwrap(await api.POST('/customer/delete', { body: { user_ids: [row.user_id] } })))}
                  >
                    Delete
                  </Menu.Item>
                </RowActions>
              ),
          },
        ]}
      />
      <CreateAndEditForms
        noun="end user"
        fields={CUSTOMER_FIELDS}
        creating={creating}
        editing={editing}
        nameOf={(row) => row.alias ?? row.user_id}
        initialOf={(row) => ({ ...row, ...row.litellm_budget_table })}
        onCloseCreate={() => setCreating(false)}
        onCloseEdit={() => setEditing(null)}
        create={async (body) => {
          unwrap(await api.POST('/customer/new', { body: body as NewCustomer }));
        }}
        update={async (row, body) => {
          unwrap(await api.POST('/customer/update', { body: { ...(body as UpdateCustomer), user_id: row.user_id } }));
        }}
      />
    </>
  );
}
