import { Alert, Badge, Card, Group, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, messageOf, unwrap } from '../api/client';
import { DataTable } from '../components/DataTable';
import { listOf, PageHeader } from '../components/common';

/**
 * What guardrails are loaded (/guardrails/list) and where each applies; the keys and teams that turn one on name it
 * in their `guardrails` field (Keys and Teams pages). The logging callbacks in force are shown beside them.
 */
export function GuardrailsPage() {
  const guardrails = useQuery({ queryKey: ['guardrails'], queryFn: async () => unwrap(await api.GET('/guardrails/list')) });
  const active = useQuery({ queryKey: ['active-callbacks'], queryFn: async () => unwrap(await api.GET('/active/callbacks')) });
  return (
    <>
      <PageHeader title="Guardrails" />
      <Stack>
        <DataTable
          label="guardrails"
          rows={guardrails.data?.guardrails}
          rowKey={(row) => row.guardrail_name}
          loading={guardrails.isFetching}
          error={guardrails.error}
          empty="No guardrail is configured (config.yaml, guardrails:)."
          columns={[
            { key: 'name', label: 'Name', render: (row) => row.guardrail_name },
            { key: 'kind', label: 'Guardrail', render: (row) => row.litellm_params.guardrail },
            { key: 'package', label: 'Package', render: (row) => row.guardrail_info.package_name },
            { key: 'mode', label: 'Runs', render: (row) => listOf(row.litellm_params.mode) },
            {
              key: 'applies',
              label: 'Applies',
              render: (row) => (
                <Group gap={4}>
                  {row.litellm_params.default_on && <Badge color="orange">every request</Badge>}
                  <Text size="sm">{row.guardrail_info.activation}</Text>
                </Group>
              ),
            },
            { key: 'on-error', label: 'On error', render: (row) => row.guardrail_info.on_error },
            { key: 'timeout', label: 'Timeout', render: (row) => `${row.guardrail_info.timeout_ms} ms` },
          ]}
        />
        <Card withBorder>
          <Text fw={600} mb="xs">
            Callbacks in force
          </Text>
          {active.isPending ? (
            <Loader size="sm" />
          ) : active.error ? (
            <Alert color="red">{messageOf(active.error)}</Alert>
          ) : (
            <Stack gap="xs">
              <Group>
                <Text size="sm">Logging:</Text>
                {listOf(active.data.all_litellm_callbacks, 'none')}
              </Group>
              <Group>
                <Text size="sm">Alerting:</Text>
                {listOf(active.data.alerting, 'none')}
              </Group>
            </Stack>
          )}
        </Card>
      </Stack>
    </>
  );
}
