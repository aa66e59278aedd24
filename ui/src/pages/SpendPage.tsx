import { Alert, Anchor, Button, Card, Group, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { BarChart } from '@mantine/charts';
import { useQuery } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { api, messageOf, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { DataTable } from '../components/DataTable';
import { money, PageHeader } from '../components/common';
import { daysAgo, today } from '../dates';

const TOP = 10;
const PAGE_SIZE = 25;

type SpendLog = components['schemas']['SpendLogDto'];

function ChartCard({ title, children, error }: { title: string; children: ReactNode; error?: unknown }) {
  return (
    <Card withBorder data-testid={`chart-${title}`}>
      <Text fw={600} mb="sm">
        {title}
      </Text>
      {error ? <Alert color="red">{messageOf(error)}</Alert> : children}
    </Card>
  );
}

const usd = (value: number) => `$${value.toFixed(4)}`;

export function SpendPage() {
  const [start, setStart] = useState(daysAgo(30));
  const [end, setEnd] = useState(today());
  const [page, setPage] = useState(1);
  const range = { start_date: start, end_date: end };

  const byDay = useQuery({
    queryKey: ['spend-day', start, end],
    queryFn: async () => unwrap(await api.GET('/global/spend/report', { params: { query: { ...range, group_by: 'team' } } })),
  });
  const byModel = useQuery({ queryKey: ['spend-model'], queryFn: async () => unwrap(await api.GET('/global/spend/models', { params: { query: { limit: TOP } } })) });
  const byKey = useQuery({ queryKey: ['spend-key'], queryFn: async () => unwrap(await api.GET('/global/spend/keys', { params: { query: { limit: TOP } } })) });
  const byTeam = useQuery({ queryKey: ['spend-team'], queryFn: async () => unwrap(await api.GET('/global/spend/teams')) });
  const byTag = useQuery({ queryKey: ['spend-tag', start, end], queryFn: async () => unwrap(await api.GET('/global/spend/tags', { params: { query: range } })) });
  const byEndUser = useQuery({
    queryKey: ['spend-end-user', start, end],
    queryFn: async () => unwrap(await api.GET('/global/spend/end_users', { params: { query: { startTime: start, endTime: end } } })),
  });

  // Without dates /spend/logs answers the calls themselves, newest first, a page at a time.
  const logs = useQuery({
    queryKey: ['spend-logs', page],
    queryFn: async () => unwrap(await api.GET('/spend/logs', { params: { query: { page, limit: PAGE_SIZE } } })),
  });
  const calls = (logs.data ?? []).filter((row): row is SpendLog => 'request_id' in row);

  const days = (byDay.data ?? []).map((day) => {
    const teams = 'teams' in day ? day.teams : [];
    return { date: 'group_by_day' in day ? day.group_by_day.slice(0, 10) : '', spend: teams.reduce((sum, team) => sum + team.total_spend, 0) };
  });
  const exportUrl = `/spend/logs/export?${new URLSearchParams({ format: 'csv', ...range }).toString()}`;

  return (
    <>
      <PageHeader title="Spend">
        <Anchor href={exportUrl} download>
          <Button variant="default">Export CSV</Button>
        </Anchor>
      </PageHeader>
      <Group mb="md">
        <TextInput type="date" label="From" value={start} onChange={(event) => setStart(event.currentTarget.value)} />
        <TextInput type="date" label="To" value={end} onChange={(event) => setEnd(event.currentTarget.value)} />
      </Group>
      <Stack>
        <ChartCard title="Spend by day" error={byDay.error}>
          <BarChart h={240} data={days} dataKey="date" series={[{ name: 'spend', color: 'blue.6' }]} valueFormatter={usd} />
        </ChartCard>
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <ChartCard title="By model" error={byModel.error}>
            <BarChart h={220} data={byModel.data ?? []} dataKey="model" series={[{ name: 'total_spend', label: 'spend', color: 'grape.6' }]} valueFormatter={usd} />
          </ChartCard>
          <ChartCard title="By key" error={byKey.error}>
            <BarChart
              h={220}
              data={(byKey.data ?? []).map((row) => ({ key: row.key_alias ?? row.key_name ?? row.api_key.slice(0, 10), total_spend: row.total_spend }))}
              dataKey="key"
              series={[{ name: 'total_spend', label: 'spend', color: 'teal.6' }]}
              valueFormatter={usd}
            />
          </ChartCard>
          <ChartCard title="By team" error={byTeam.error}>
            <BarChart
              h={220}
              data={byTeam.data?.total_spend_per_team ?? []}
              dataKey="team_id"
              series={[{ name: 'total_spend', label: 'spend', color: 'orange.6' }]}
              valueFormatter={usd}
            />
          </ChartCard>
          <ChartCard title="By tag" error={byTag.error}>
            <BarChart h={220} data={byTag.data?.spend_per_tag ?? []} dataKey="name" series={[{ name: 'spend', color: 'cyan.6' }]} valueFormatter={usd} />
          </ChartCard>
          <ChartCard title="By end user" error={byEndUser.error}>
            <BarChart
              h={220}
              data={(byEndUser.data ?? []).map((row) => ({ end_user: row.end_user ?? '(none)', total_spend: row.total_spend }))}
              dataKey="end_user"
              series={[{ name: 'total_spend', label: 'spend', color: 'pink.6' }]}
              valueFormatter={usd}
            />
          </ChartCard>
        </SimpleGrid>
        <Card withBorder>
          <Text fw={600} mb="sm">
            Recent calls
          </Text>
          <DataTable
            label="spend-logs"
            rows={calls}
            rowKey={(row) => row.request_id}
            loading={logs.isFetching}
            error={logs.error}
            page={page}
            totalPages={calls.length === PAGE_SIZE ? page + 1 : page}
            onPage={setPage}
            columns={[
              { key: 'when', label: 'When', render: (row) => new Date(row.startTime).toLocaleString() },
              { key: 'model', label: 'Model group', render: (row) => row.model_group ?? row.model },
              { key: 'status', label: 'Status', render: (row) => row.status },
              { key: 'tokens', label: 'Tokens in / out', render: (row) => `${row.prompt_tokens} / ${row.completion_tokens}` },
              { key: 'spend', label: 'Spend', render: (row) => money(row.spend) },
              { key: 'team', label: 'Team', render: (row) => row.team_id ?? '—' },
              { key: 'user', label: 'End user', render: (row) => row.end_user ?? '—' },
              { key: 'tags', label: 'Tags', render: (row) => row.request_tags.join(', ') },
            ]}
          />
        </Card>
      </Stack>
    </>
  );
}
