import { Button, Menu } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { CreateAndEditForms } from '../components/CreateAndEditForms';
import { DataTable } from '../components/DataTable';
import type { Field } from '../components/EntityForm';
import { money, PageHeader, pageSlice, useAction, RowActions } from '../components/common';
import { useSession } from '../session';

type Budget = components['schemas']['BudgetRowDto'];
type NewBudget = components['schemas']['NewBudgetDto'];

const PAGE_SIZE = 25;

const BUDGET_FIELDS: readonly Field<keyof NewBudget>[] = [
  { name: 'budget_id', label: 'Budget id', kind: 'text', createOnly: true, description: 'Empty: generated' },
  { name: 'max_budget', label: 'Max budget (USD)', kind: 'number', min: 0 },
  { name: 'soft_budget', label: 'Soft budget (USD)', kind: 'number', min: 0 },
  { name: 'budget_duration', label: 'Budget duration', kind: 'text', description: 'e.g. 30d' },
  { name: 'tpm_limit', label: 'TPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'rpm_limit', label: 'RPM limit', kind: 'number', min: 0, decimals: false },
  { name: 'max_parallel_requests', label: 'Max parallel requests', kind: 'number', min: 0, decimals: false },
  { name: 'model_max_budget', label: 'Per-model budgets (JSON)', kind: 'json' },
];

export function BudgetsPage() {
  const session = useSession();
  const act = useAction();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<Budget | null>(null);
  const budgets = useQuery({ queryKey: ['budgets'], queryFn: async () => unwrap(await api.GET('/budget/list')) });
  const shown = pageSlice(budgets.data, page, PAGE_SIZE);

  return (
    <>
      <PageHeader title="Budgets">{session.isAdmin && <Button onClick={() => setCreating(true)}>Create budget</Button>}</PageHeader>
      <DataTable
        label="budgets"
        rows={shown.rows}
        rowKey={(row) => row.budget_id}
        loading={budgets.isFetching}
        error={budgets.error}
        page={page}
        totalPages={shown.totalPages}
        total={shown.total}
        onPage={setPage}
        columns={[
          { key: 'id', label: 'Budget id', render: (row) => row.budget_id },
          { key: 'max', label: 'Max budget', render: (row) => money(row.max_budget) },
          { key: 'soft', label: 'Soft budget', render: (row) => money(row.soft_budget) },
          { key: 'duration', label: 'Resets every', render: (row) => row.budget_duration ?? 'never' },
          { key: 'limits', label: 'TPM / RPM', render: (row) => `${row.tpm_limit ?? '∞'} / ${row.rpm_limit ?? '∞'}` },
          {
            key: 'actions',
            label: '',
            render: (row) =>
              session.isAdmin && (
                <RowActions>
                  <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>
                  <Menu.Item color="red" onClick={() => void act('Budget deleted', async () => unwrap(await api.POST('/budget/delete', { body: { id: row.budget_id } })))}>
                    Delete
                  </Menu.Item>
                </RowActions>
              ),
          },
        ]}
      />
      <CreateAndEditForms
        noun="budget"
        fields={BUDGET_FIELDS}
        creating={creating}
        editing={editing}
        nameOf={(row) => row.budget_id}
        onCloseCreate={() => setCreating(false)}
        onCloseEdit={() => setEditing(null)}
        create={async (body) => {
          unwrap(await api.POST('/budget/new', { body: body as NewBudget }));
        }}
        update={async (row, body) => {
          unwrap(await api.POST('/budget/update', { body: { ...body, budget_id: row.budget_id } }));
        }}
      />
    </>
  );
}
