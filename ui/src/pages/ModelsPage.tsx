import { Alert, Badge, Button, Group, Menu, Select, Stack, Tabs, Text, TextInput } from '@mantine/core';
import { LineChart } from '@mantine/charts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, messageOf, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { DataTable } from '../components/DataTable';
import { EntityForm, type Field } from '../components/EntityForm';
import { JsonBlock, money, PageHeader, useAction, RowActions } from '../components/common';
import { daysAgo, today } from '../dates';
import { useSession } from '../session';

type ModelEntry = components['schemas']['ModelInfoEntryDto'];
type NewModel = components['schemas']['NewModelDto'];
type Health = components['schemas']['DeploymentHealthReportDto'];

/** Fields of /model/new, flattened ("litellm_params.api_key"); `retry_policy` goes to router_settings. */
const MODEL_FIELDS: readonly Field[] = [
  { name: 'model_name', label: 'Model group (public name)', kind: 'text', required: true },
  { name: 'litellm_params.model', label: 'Provider model', kind: 'text', required: true, description: 'e.g. openai/gpt-4o' },
  { name: 'litellm_params.api_base', label: 'API base', kind: 'text' },
  { name: 'litellm_params.api_key', label: 'API key', kind: 'password', description: 'Write-only: never shown again; empty keeps the stored one' },
  { name: 'litellm_params.api_version', label: 'API version', kind: 'text' },
  { name: 'litellm_params.organization', label: 'Organization', kind: 'text' },
  { name: 'litellm_params.region_name', label: 'Region', kind: 'text' },
  { name: 'litellm_params.tpm', label: 'TPM', kind: 'number', min: 0, decimals: false },
  { name: 'litellm_params.rpm', label: 'RPM', kind: 'number', min: 0, decimals: false },
  { name: 'litellm_params.timeout', label: 'Timeout (s)', kind: 'number', min: 0 },
  { name: 'litellm_params.stream_timeout', label: 'Stream timeout (s)', kind: 'number', min: 0 },
  { name: 'litellm_params.max_retries', label: 'Max retries (this deployment)', kind: 'number', min: 0, decimals: false },
  { name: 'litellm_params.input_cost_per_token', label: 'Input cost per token', kind: 'number', min: 0 },
  { name: 'litellm_params.output_cost_per_token', label: 'Output cost per token', kind: 'number', min: 0 },
  { name: 'litellm_params.tags', label: 'Tags', kind: 'list' },
  { name: 'model_info.mode', label: 'Mode', kind: 'select', options: ['chat', 'completion', 'embedding', 'image_generation', 'audio_transcription', 'audio_speech', 'rerank'] },
  { name: 'model_info.base_model', label: 'Base model (for prices)', kind: 'text' },
  {
    name: 'retry_policy',
    label: 'Retry policy for this model group (JSON)',
    kind: 'json',
    description: 'e.g. {"RateLimitErrorRetries": 3, "TimeoutErrorRetries": 1}',
  },
];

/** "a.b": value → { a: { b: value } }. */
function nest(flat: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(flat)) {
    const [head, tail] = name.split('.', 2);
    if (tail === undefined) out[head] = value;
    else out[head] = { ...((out[head] as Record<string, unknown> | undefined) ?? {}), [tail]: value };
  }
  return out;
}

type TestMode = components['schemas']['TestConnectionDto']['mode'];
const TEST_MODES: readonly TestMode[] = ['chat', 'completion', 'embedding'];

/** One minimal call to the deployment as typed, before it is saved (POST /health/test_connection). */
const testConnection = {
  label: 'Test connection',
  run: async (flat: Record<string, unknown>) => {
    const body = nest(flat) as NewModel;
    const mode = TEST_MODES.find((candidate) => candidate === body.model_info?.mode) ?? 'chat';
    const answer = unwrap(await api.POST('/health/test_connection', { body: { litellm_params: body.litellm_params, mode } }));
    return {
      ok: answer.status === 'success',
      message: answer.status === 'success' ? 'Connection works: the deployment answered.' : (answer.message ?? 'The deployment did not answer.'),
    };
  },
};

function flatten(entry: ModelEntry, retryPolicy: unknown): Record<string, unknown> {
  const flat: Record<string, unknown> = { model_name: entry.model_name, retry_policy: retryPolicy };
  for (const [name, value] of Object.entries(entry.litellm_params ?? {})) if (name !== 'api_key') flat[`litellm_params.${name}`] = value;
  for (const [name, value] of Object.entries(entry.model_info ?? {})) flat[`model_info.${name}`] = value;
  return flat;
}

export function ModelsPage() {
  return (
    <>
      <PageHeader title="Models" />
      <Tabs defaultValue="deployments" keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="deployments">Deployments</Tabs.Tab>
          <Tabs.Tab value="analytics">Analytics</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="deployments">
          <Deployments />
        </Tabs.Panel>
        <Tabs.Panel value="analytics">
          <Analytics />
        </Tabs.Panel>
      </Tabs>
    </>
  );
}

function Deployments() {
  const session = useSession();
  const act = useAction();
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ModelEntry | null>(null);
  const [health, setHealth] = useState<{ model: string; report?: Health; error?: string } | null>(null);
  const models = useQuery({ queryKey: ['models'], queryFn: async () => unwrap(await api.GET('/v2/model/info')) });
  const router = useQuery({ queryKey: ['router-settings'], queryFn: async () => unwrap(await api.GET('/router/settings')), enabled: session.isAdmin });
  const groupPolicies = (router.data?.current_values.model_group_retry_policy ?? {}) as Record<string, unknown>;

  /** The model group's retry policy lives in router_settings.model_group_retry_policy. */
  const saveRetryPolicy = async (group: string, policy: unknown) => {
    if (policy === undefined && groupPolicies[group] === undefined) return;
    const next = { ...groupPolicies };
    if (policy === undefined) delete next[group];
    else next[group] = policy;
    unwrap(await api.POST('/config/update', { body: { router_settings: { model_group_retry_policy: next } } }));
  };

  const checkHealth = async (model: string) => {
    setHealth({ model });
    try {
      setHealth({ model, report: unwrap(await api.GET('/health', { params: { query: { model } } })) });
    } catch (failure) {
      setHealth({ model, error: messageOf(failure) });
    }
  };

  return (
    <>
      {session.isAdmin && (
        <Group justify="flex-end" mb="sm">
          <Button onClick={() => setCreating(true)}>Add model</Button>
        </Group>
      )}
      <DataTable
        label="models"
        rows={models.data?.data}
        rowKey={(row) => row.model_info?.id ?? row.model_name}
        loading={models.isFetching}
        error={models.error}
        columns={[
          { key: 'group', label: 'Model group', render: (row) => row.model_name },
          { key: 'model', label: 'Provider model', render: (row) => row.litellm_params?.model ?? '—' },
          { key: 'provider', label: 'Provider', render: (row) => row.model_info?.litellm_provider ?? '—' },
          { key: 'base', label: 'API base', render: (row) => (typeof row.litellm_params?.api_base === 'string' ? row.litellm_params.api_base : '—') },
          { key: 'mode', label: 'Mode', render: (row) => row.model_info?.mode ?? '—' },
          { key: 'source', label: 'Source', render: (row) => (row.model_info?.db_model ? <Badge>database</Badge> : <Badge variant="outline">config</Badge>) },
          {
            key: 'actions',
            label: '',
            render: (row) => (
              <RowActions label={`Actions for ${row.model_name}`}>
                <Menu.Item onClick={() => void checkHealth(row.model_name)}>Check health</Menu.Item>
                {session.isAdmin && row.model_info?.db_model && <Menu.Item onClick={() => setEditing(row)}>Edit</Menu.Item>}
                {session.isAdmin && row.model_info?.db_model && (
                  <Menu.Item color="red" onClick={() => void act('Model deleted', async () => unwrap(await api.POST('/model/delete', { body: { id: row.model_info?.id } })))}>
                    Delete
                  </Menu.Item>
                )}
              </RowActions>
            ),
          },
        ]}
      />
      {health && (
        <Alert
          mt="md"
          title={`Health of ${health.model}`}
          color={health.error || (health.report && health.report.unhealthy_count > 0) ? 'red' : 'green'}
          withCloseButton
          onClose={() => setHealth(null)}
        >
          {health.error ?? (health.report ? `${health.report.healthy_count} healthy, ${health.report.unhealthy_count} unhealthy` : 'Checking…')}
          {health.report && health.report.unhealthy_count > 0 && <JsonBlock value={health.report.unhealthy_endpoints} />}
        </Alert>
      )}
      {creating && (
        <EntityForm
          title="Add model"
          opened
          onClose={() => setCreating(false)}
          fields={MODEL_FIELDS}
          check={testConnection}
          submitLabel="Add"
          onSubmit={async ({ retry_policy, ...flat }) => {
            const body = nest(flat) as NewModel;
            unwrap(await api.POST('/model/new', { body }));
            await saveRetryPolicy(body.model_name, retry_policy);
            await act('Model added', async () => undefined);
          }}
        />
      )}
      {editing && (
        <EntityForm
          title={`Edit ${editing.model_name}`}
          opened
          editing
          onClose={() => setEditing(null)}
          fields={MODEL_FIELDS}
          check={testConnection}
          initial={flatten(editing, groupPolicies[editing.model_name])}
          onSubmit={async ({ retry_policy, ...flat }) => {
            const body = nest(flat) as NewModel;
            unwrap(await api.POST('/model/update', { body: { ...body, id: editing.model_info?.id } }));
            await saveRetryPolicy(body.model_name, retry_policy);
            await act('Model saved', async () => undefined);
          }}
        />
      )}
    </>
  );
}

function Analytics() {
  const [start, setStart] = useState(daysAgo(7));
  const [end, setEnd] = useState(today());
  const [group, setGroup] = useState<string | null>(null);
  const summary = useQuery({
    queryKey: ['model-analytics', start, end],
    queryFn: async () => unwrap(await api.GET('/model/analytics', { params: { query: { start_date: start, end_date: end } } })),
  });
  const daily = useQuery({
    queryKey: ['model-analytics-daily', group, start, end],
    queryFn: async () => unwrap(await api.GET('/model/analytics/daily', { params: { query: { model_group: group ?? '', start_date: start, end_date: end } } })),
    enabled: group !== null,
  });
  const ms = (value: number | null) => (value === null ? '—' : `${value.toFixed(1)} ms`);
  return (
    <Stack>
      <Group>
        <TextInput type="date" label="From" value={start} onChange={(event) => setStart(event.currentTarget.value)} />
        <TextInput type="date" label="To" value={end} onChange={(event) => setEnd(event.currentTarget.value)} />
      </Group>
      <DataTable
        label="model-analytics"
        rows={summary.data?.data}
        rowKey={(row) => row.model_group}
        loading={summary.isFetching}
        error={summary.error}
        empty="No calls in this range."
        columns={[
          { key: 'group', label: 'Model group', render: (row) => row.model_group },
          { key: 'requests', label: 'Requests', render: (row) => row.requests },
          { key: 'failures', label: 'Failures', render: (row) => row.failures },
          { key: 'latency', label: 'Avg latency', render: (row) => ms(row.avg_latency_ms) },
          { key: 'per-token', label: 'Latency / output token', render: (row) => ms(row.avg_latency_per_output_token_ms) },
          { key: 'tokens', label: 'Tokens in / out', render: (row) => `${row.prompt_tokens} / ${row.completion_tokens}` },
          { key: 'spend', label: 'Spend', render: (row) => money(row.spend) },
        ]}
      />
      <Select
        label="Daily figures for"
        placeholder="Pick a model group"
        data={(summary.data?.data ?? []).map((row) => row.model_group)}
        value={group}
        onChange={setGroup}
        w={300}
      />
      {group && daily.data && (
        <>
          <Text fw={600}>{group}: requests and failures per day</Text>
          <LineChart
            h={240}
            data={daily.data.data}
            dataKey="date"
            series={[
              { name: 'requests', color: 'blue.6' },
              { name: 'failures', color: 'red.6' },
            ]}
          />
          <Text fw={600}>Average latency per day (ms)</Text>
          <LineChart h={200} data={daily.data.data} dataKey="date" series={[{ name: 'avg_latency_ms', label: 'latency (ms)', color: 'teal.6' }]} />
        </>
      )}
    </Stack>
  );
}
