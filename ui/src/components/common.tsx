import { Badge, Button, Code, CopyButton, Group, Menu, Modal, Stack, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { messageOf } from '../api/client';

export function PageHeader({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <Group justify="space-between" mb="md">
      <Title order={2}>{title}</Title>
      <Group>{children}</Group>
    </Group>
  );
}

/** A row's "Actions" menu; the children are its `Menu.Item`s. */
export function RowActions({ label, children }: { label?: string; children: ReactNode }) {
  return (
    <Menu>
      <Menu.Target>
        <Button size="xs" variant="default" aria-label={label}>
          Actions
        </Button>
      </Menu.Target>
      <Menu.Dropdown>{children}</Menu.Dropdown>
    </Menu>
  );
}

/** Runs a change, tells how it went, and refreshes what is on screen. */
export function useAction(): (done: string, change: () => Promise<unknown>) => Promise<boolean> {
  const client = useQueryClient();
  return async (done, change) => {
    try {
      await change();
      notifications.show({ color: 'green', message: done });
      await client.invalidateQueries();
      return true;
    } catch (failure) {
      notifications.show({ color: 'red', title: 'Refused', message: messageOf(failure) });
      return false;
    }
  };
}

export function money(value: number | null | undefined): string {
  return value === null || value === undefined ? '—' : `$${value.toFixed(value < 1 ? 4 : 2)}`;
}

/** Badges for a list; `empty` says what no entry means (for models and routes: every one). */
export function listOf(values: readonly (string | null)[] | null | undefined, empty = 'all'): ReactNode {
  if (!values || values.length === 0) return <Text c="dimmed">{empty}</Text>;
  return (
    <Group gap={4}>
      {values.map((value) => (
        <Badge key={value} variant="light" size="sm">
          {value}
        </Badge>
      ))}
    </Group>
  );
}

export function StatusBadge({ blocked }: { blocked: boolean | null | undefined }) {
  return blocked ? <Badge color="red">blocked</Badge> : <Badge color="green">active</Badge>;
}

/** A secret shown once (a new key), with a copy button. */
export function SecretOnce({ secret, onClose }: { secret: string | null; onClose: () => void }) {
  return (
    <Modal opened={secret !== null} onClose={onClose} title="Copy the key now" size="lg">
      <Stack>
        <Text size="sm">This is the only time the key is shown. Store it somewhere safe.</Text>
        <Code block data-testid="new-key">
          {secret}
        </Code>
        <Group justify="flex-end">
          <CopyButton value={secret ?? ''}>{({ copied, copy }) => <Button onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
          <Button variant="default" onClick={onClose}>
            Done
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}

export function JsonBlock({ value }: { value: unknown }) {
  return (
    <Code block style={{ whiteSpace: 'pre-wrap' }}>
      {JSON.stringify(value, null, 2)}
    </Code>
  );
}

/** Local paging for the lists the server answers whole (until they page on the server). */
export function pageSlice<Row>(rows: readonly Row[] | undefined, page: number, size: number): { rows: Row[]; totalPages: number; total: number } {
  const all = rows ?? [];
  return { rows: all.slice((page - 1) * size, page * size), totalPages: Math.ceil(all.length / size), total: all.length };
}
