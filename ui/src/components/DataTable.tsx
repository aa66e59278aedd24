import { Alert, Center, Group, Loader, Pagination, ScrollArea, Table, Text } from '@mantine/core';
import { messageOf } from '../api/client';
import type { ReactNode } from 'react';

export interface Column<Row> {
  key: string;
  label: string;
  render: (row: Row) => ReactNode;
}

export interface DataTableProps<Row> {
  /** Names the table for tests and screen readers. */
  label: string;
  columns: readonly Column<Row>[];
  rows: readonly Row[] | undefined;
  rowKey: (row: Row) => string;
  loading?: boolean;
  /** Why the rows could not be read (a role that may not see them, say). */
  error?: unknown;
  /** Server paging: the page shown (1-based), the page count the server reported, and how to go to another. */
  page?: number;
  totalPages?: number;
  total?: number;
  onPage?: (page: number) => void;
  empty?: string;
}

/** The one table of the app: rows of one server page, and a pager that asks the server for another. */
export function DataTable<Row>({ label, columns, rows, rowKey, loading, error, page, totalPages, total, onPage, empty }: DataTableProps<Row>) {
  return (
    <>
      <ScrollArea>
        <Table striped highlightOnHover verticalSpacing="xs" aria-label={label} data-testid={`table-${label}`}>
          <Table.Thead>
            <Table.Tr>
              {columns.map((column) => (
                <Table.Th key={column.key}>{column.label}</Table.Th>
              ))}
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(rows ?? []).map((row) => (
              <Table.Tr key={rowKey(row)}>
                {columns.map((column) => (
                  <Table.Td key={column.key}>{column.render(row)}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </ScrollArea>
      {loading && (
        <Center p="md">
          <Loader size="sm" />
        </Center>
      )}
      {error ? (
        <Alert color="red" mt="sm">
          {messageOf(error)}
        </Alert>
      ) : null}
      {!loading && !error && rows?.length === 0 && (
        <Text c="dimmed" p="md">
          {empty ?? 'Nothing here yet.'}
        </Text>
      )}
      {page !== undefined && onPage && (
        <Group justify="space-between" mt="sm">
          <Text size="sm" c="dimmed">
            {total !== undefined ? `${total} in all` : ''}
          </Text>
          <Pagination value={page} total={Math.max(totalPages ?? 1, 1)} onChange={onPage} size="sm" />
        </Group>
      )}
    </>
  );
}
