import {
  ActionIcon,
  Checkbox,
  Group,
  Menu,
  Table,
  Text,
  TextInput,
  UnstyledButton,
  VisuallyHidden,
} from '@mantine/core';
import {
  flexRender,
  getCoreRowModel,
  getFilteredRowModel,
  getSortedRowModel,
  useReactTable,
  type ColumnDef,
  type SortingState,
  type VisibilityState,
} from '@tanstack/react-table';
import { IconArrowsSort, IconColumns, IconSearch, IconSortAscending, IconSortDescending } from '@tabler/icons-react';
import { useState, type ReactNode } from 'react';

/**
 * A column: TanStack's definition with a header text (for sorting labels and the column menu);
 * `hiddenHeader` keeps the text for screen readers only (an actions column).
 */
export type DataColumn<T> = ColumnDef<T> & { id: string; header: string; hiddenHeader?: boolean };

/**
 * A list as a table that sorts by any column (click its header; `aria-sort` says how), filters
 * on its text, and lets the reader choose its columns. Wide tables scroll sideways inside their
 * frame, never the page.
 */
export function DataTable<T>({
  label,
  data,
  columns,
  rowKey,
  filterPlaceholder,
  initialSort,
  initialHidden = [],
  toolbar,
  empty,
  minWidth = 0,
}: {
  /** The table's accessible name. */
  label: string;
  data: T[];
  columns: DataColumn<T>[];
  rowKey: (row: T) => string;
  /** Shows a filter box with this placeholder. */
  filterPlaceholder?: string;
  initialSort?: SortingState;
  /** Columns hidden until chosen. */
  initialHidden?: string[];
  /** More controls beside the filter. */
  toolbar?: ReactNode;
  /** Shown when the filter leaves no row. */
  empty?: ReactNode;
  minWidth?: number;
}) {
  const [sorting, setSorting] = useState<SortingState>(initialSort ?? []);
  const [filter, setFilter] = useState('');
  const [visibility, setVisibility] = useState<VisibilityState>(() =>
    Object.fromEntries(initialHidden.map((id) => [id, false])),
  );
  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter: filter, columnVisibility: visibility },
    onSortingChange: setSorting,
    onGlobalFilterChange: setFilter,
    onColumnVisibilityChange: setVisibility,
    getRowId: rowKey,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    globalFilterFn: 'includesString',
  });
  const rows = table.getRowModel().rows;
  return (
    <div>
      <Group justify="space-between" mb="xs" gap="xs">
        <Group gap="xs">
          {filterPlaceholder && (
            <TextInput
              aria-label={`Filter ${label.toLowerCase()}`}
              placeholder={filterPlaceholder}
              leftSection={<IconSearch size={16} />}
              value={filter}
              onChange={(e) => setFilter(e.currentTarget.value)}
              w={300}
            />
          )}
          {toolbar}
        </Group>
        <Menu position="bottom-end" closeOnItemClick={false}>
          <Menu.Target>
            <ActionIcon variant="default" size="lg" aria-label={`Choose the columns of ${label.toLowerCase()}`}>
              <IconColumns size={18} />
            </ActionIcon>
          </Menu.Target>
          <Menu.Dropdown>
            <Menu.Label>Columns</Menu.Label>
            {table
              .getAllLeafColumns()
              .filter((c) => c.getCanHide())
              .map((c) => (
                <Menu.Item key={c.id} onClick={() => c.toggleVisibility()}>
                  <Checkbox
                    label={(c.columnDef as DataColumn<T>).header}
                    checked={c.getIsVisible()}
                    onChange={() => c.toggleVisibility()}
                    onClick={(e) => e.stopPropagation()}
                  />
                </Menu.Item>
              ))}
          </Menu.Dropdown>
        </Menu>
      </Group>
      <Table.ScrollContainer minWidth={minWidth} type="native">
        <Table highlightOnHover verticalSpacing="sm" aria-label={label}>
          <Table.Thead>
            {table.getHeaderGroups().map((group) => (
              <Table.Tr key={group.id}>
                {group.headers.map((h) => {
                  const def = h.column.columnDef as DataColumn<T>;
                  const sorted = h.column.getIsSorted();
                  if (!h.column.getCanSort())
                    return (
                      <Table.Th key={h.id} scope="col">
                        {def.hiddenHeader ? <VisuallyHidden>{def.header}</VisuallyHidden> : def.header}
                      </Table.Th>
                    );
                  const Icon =
                    sorted === 'asc' ? IconSortAscending : sorted === 'desc' ? IconSortDescending : IconArrowsSort;
                  return (
                    <Table.Th
                      key={h.id}
                      scope="col"
                      aria-sort={sorted === 'asc' ? 'ascending' : sorted === 'desc' ? 'descending' : 'none'}
                    >
                      <UnstyledButton onClick={h.column.getToggleSortingHandler()} fw={600} fz="sm">
                        <Group gap={4} wrap="nowrap">
                          {def.header}
                          <Icon size={14} aria-hidden />
                        </Group>
                      </UnstyledButton>
                    </Table.Th>
                  );
                })}
              </Table.Tr>
            ))}
          </Table.Thead>
          <Table.Tbody>
            {rows.map((row) => (
              <Table.Tr key={row.id}>
                {row.getVisibleCells().map((cell) => (
                  <Table.Td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</Table.Td>
                ))}
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      {rows.length === 0 && (empty ?? <Text c="dimmed">Nothing matches “{filter}”.</Text>)}
    </div>
  );
}
