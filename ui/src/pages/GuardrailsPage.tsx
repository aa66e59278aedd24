import { Alert, Card, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, messageOf, unwrap } from '../api/client';
import { JsonBlock, PageHeader } from '../components/common';

/**
 * What guardrails and callbacks are loaded (the runtime settings routes), and where they apply: per key and per team
 * through their `guardrails` field (Keys and Teams pages).
 */
export function GuardrailsPage() {
  const configured = useQuery({ queryKey: ['config-callbacks'], queryFn: async () => unwrap(await api.GET('/get/config/callbacks')) });
  const active = useQuery({ queryKey: ['active-callbacks'], queryFn: async () => unwrap(await api.GET('/active/callbacks')) });
  return (
    <>
      <PageHeader title="Guardrails" />
      <Stack>
        <Text size="sm">
          Guardrails are loaded from <code>config.yaml</code> (<code>guardrails:</code>). Those with <code>default_on</code> run on every call; the others run for the keys and
          teams that name them in their <code>guardrails</code> field (set on the Keys and Teams pages), or for a request that asks for them.
        </Text>
        <Card withBorder>
          <Text fw={600} mb="xs">
            Configured (guardrails, callbacks)
          </Text>
          {configured.isPending ? <Loader size="sm" /> : configured.error ? <Alert color="red">{messageOf(configured.error)}</Alert> : <JsonBlock value={configured.data} />}
        </Card>
        <Card withBorder>
          <Text fw={600} mb="xs">
            Active now
          </Text>
          {active.isPending ? <Loader size="sm" /> : active.error ? <Alert color="red">{messageOf(active.error)}</Alert> : <JsonBlock value={active.data} />}
        </Card>
      </Stack>
    </>
  );
}
