import { Alert, Card, List, Loader, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, messageOf, unwrap } from '../api/client';
import type { components } from '../api/schema';
import { EntityForm, type Field } from '../components/EntityForm';
import { JsonBlock, PageHeader, useAction } from '../components/common';
import { useSession } from '../session';

/** An input for one router setting, from the type /router/settings reports. */
function inputFor(setting: components['schemas']['RouterSettingsFieldDto']): Field {
  const base = { name: setting.field_name, label: setting.field_name, description: setting.field_description };
  const type = setting.field_type.toLowerCase();
  if (setting.options && setting.options.length > 0) return { ...base, kind: 'select', options: setting.options };
  if (type.includes('bool')) return { ...base, kind: 'switch' };
  if (type.includes('int') || type.includes('float') || type.includes('number')) return { ...base, kind: 'number', min: 0 };
  const value = setting.field_value ?? setting.field_default_value;
  if (type.includes('dict') || type.includes('list') || type.includes('object') || type.includes('array') || (value !== null && typeof value === 'object'))
    return { ...base, kind: 'json' };
  return { ...base, kind: 'text' };
}

export function RouterSettingsPage() {
  const session = useSession();
  const act = useAction();
  const settings = useQuery({ queryKey: ['router-settings'], queryFn: async () => unwrap(await api.GET('/router/settings')) });

  if (settings.isPending) return <Loader />;
  if (settings.error) return <Alert color="red">{messageOf(settings.error)}</Alert>;
  const { fields, current_values: current, routing_strategy_descriptions: strategies } = settings.data;
  const inputs = fields.map(inputFor);
  const initial = Object.fromEntries(fields.map((field) => [field.field_name, current[field.field_name] ?? field.field_value ?? undefined]));

  return (
    <>
      <PageHeader title="Router settings" />
      <Stack>
        <Card withBorder>
          <Text fw={600} mb="xs">
            Routing strategies
          </Text>
          <List size="sm">
            {Object.entries(strategies).map(([name, description]) => (
              <List.Item key={name}>
                <b>{name}</b>: {description}
              </List.Item>
            ))}
          </List>
        </Card>
        {!session.isAdmin && (
          <Card withBorder>
            <Alert color="gray" mb="sm">
              Read-only: only a proxy admin changes router settings.
            </Alert>
            <JsonBlock value={current} />
          </Card>
        )}
        {session.isAdmin && (
          <Card withBorder>
            <EntityForm
              key={JSON.stringify(initial)}
              title="Router settings"
              inline
              opened
              onClose={() => undefined}
              fields={inputs}
              initial={initial}
              submitLabel="Save router settings"
              onSubmit={async (body) => {
                // A switch left off is sent as false, so turning a setting off is saved too.
                for (const input of inputs) if (input.kind === 'switch' && !(input.name in body)) body[input.name] = false;
                unwrap(await api.POST('/config/update', { body: { router_settings: body } }));
                await act('Router settings saved: every instance follows them from the next call', async () => undefined);
              }}
            />
          </Card>
        )}
      </Stack>
    </>
  );
}
