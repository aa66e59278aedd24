import { Badge, Button, Drawer, Group, Loader, Stack, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, messageOf, unwrap } from '../api/client';
import { DataTable } from '../components/DataTable';
import { JsonBlock, PageHeader } from '../components/common';

const PAGE_SIZE = 25;
const FILTERS = [
  ['table_name', 'Table (e.g. LiteLLM_VerificationToken)'],
  ['action', 'Action (created, updated, deleted, …)'],
  ['object_id', 'Object id'],
  ['changed_by', 'Changed by'],
] as const;

type Filter = (typeof FILTERS)[number][0];

function ChainStatus() {
  const verify = useQuery({ queryKey: ['audit-verify'], queryFn: async () => unwrap(await api.GET('/audit/verify')) });
  if (verify.isPending) return <Loader size="xs" />;
  if (verify.error) return <Badge color="gray">chain not checked: {messageOf(verify.error)}</Badge>;
  const report = verify.data;
  return report.valid ? (
    <Badge color="green" data-testid="chain-status">
      chain verified: {report.checked_rows} rows
    </Badge>
  ) : (
    <Badge color="red" data-testid="chain-status">
      chain broken at row {report.first_bad_row?.seq ?? '?'}
    </Badge>
  );
}

export function AuditPage() {
  const [page, setPage] = useState(1);
  const [filters, setFilters] = useState<Partial<Record<Filter, string>>>({});
  const [start, setStart] = useState('');
  const [end, setEnd] = useState('');
  const [selected, setSelected] = useState<string | null>(null);

  const query = Object.fromEntries(Object.entries(filters).filter(([, value]) => value));
  const logs = useQuery({
    queryKey: ['audit', page, query, start, end],
    queryFn: async () =>
      unwrap(
        await api.GET('/audit', {
          params: {
            query: { page, page_size: PAGE_SIZE, sort_by: 'seq', sort_order: 'desc', ...query, ...(start ? { start_date: start } : {}), ...(end ? { end_date: end } : {}) },
          },
        }),
      ),
  });
  const detail = useQuery({
    queryKey: ['audit-row', selected],
    queryFn: async () => unwrap(await api.GET('/audit/{id}', { params: { path: { id: selected ?? '' } } })),
    enabled: selected !== null,
  });

  return (
    <>
      <PageHeader title="Audit log">
        <ChainStatus />
      </PageHeader>
      <Group mb="sm" align="flex-end">
        {FILTERS.map(([name, label]) => (
          <TextInput
            key={name}
            label={label}
            aria-label={name}
            value={filters[name] ?? ''}
            onChange={(event) => (setFilters({ ...filters, [name]: event.currentTarget.value }), setPage(1))}
          />
        ))}
        <TextInput type="date" label="From" value={start} onChange={(event) => setStart(event.currentTarget.value)} />
        <TextInput type="date" label="To" value={end} onChange={(event) => setEnd(event.currentTarget.value)} />
      </Group>
      <DataTable
        label="audit"
        rows={logs.data?.audit_logs}
        rowKey={(row) => row.id}
        loading={logs.isFetching}
        error={logs.error}
        page={page}
        totalPages={logs.data?.total_pages}
        total={logs.data?.total}
        onPage={setPage}
        columns={[
          { key: 'seq', label: '#', render: (row) => row.seq },
          { key: 'when', label: 'When', render: (row) => new Date(row.updated_at).toLocaleString() },
          { key: 'table', label: 'Table', render: (row) => row.table_name },
          { key: 'action', label: 'Action', render: (row) => row.action },
          { key: 'object', label: 'Object', render: (row) => row.object_id ?? '—' },
          { key: 'by', label: 'Changed by', render: (row) => row.changed_by ?? '—' },
          { key: 'route', label: 'Route', render: (row) => row.route ?? '—' },
          {
            key: 'open',
            label: '',
            render: (row) => (
              <Button size="xs" variant="default" onClick={() => setSelected(row.id)}>
                Detail
              </Button>
            ),
          },
        ]}
      />
      <Drawer opened={selected !== null} onClose={() => setSelected(null)} title="Audit row" position="right" size="xl">
        {detail.isFetching && <Loader />}
        {detail.data && (
          <Stack data-testid="audit-detail">
            <Text size="sm" style={{ wordBreak: 'break-all' }}>
              #{detail.data.seq} · {detail.data.table_name} · {detail.data.action} · {detail.data.object_id} · by {detail.data.changed_by ?? '—'}
            </Text>
            <Text fw={600}>Before</Text>
            <JsonBlock value={detail.data.before_value} />
            <Text fw={600}>After</Text>
            <JsonBlock value={detail.data.updated_values} />
            <Text size="xs" c="dimmed" style={{ wordBreak: 'break-all' }}>
              row hash {detail.data.row_hash} · previous {detail.data.prev_hash}
            </Text>
          </Stack>
        )}
      </Drawer>
    </>
  );
}
