import { Anchor, Group, Table, Text, TextInput, UnstyledButton, VisuallyHidden } from '@mantine/core';
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
import { useVirtualizer } from '@tanstack/react-virtual';
import { IconArrowsSort, IconSearch, IconSortAscending, IconSortDescending } from '@tabler/icons-react';
import { useRef, useState, type ReactNode } from 'react';
import { ColumnMenu } from './ColumnMenu';

/** From this many rows on, only the rows in view (and a margin) are in the page. */
export const VIRTUAL_FROM = 200;
/** A row's height before it is measured. */
const ROW_ESTIMATE = 44;

/**
 * A column: TanStack's definition with a header text (for sorting labels and the column menu);
 * `hiddenHeader` keeps the text for screen readers only (an actions column).
 */
export type DataColumn<T> = ColumnDef<T> & { id: string; header: string; hiddenHeader?: boolean };

/** A column of controls (buttons, a menu, a checkbox): not sorted, filtered or hidden. */
export const controls = { enableSorting: false, enableHiding: false, enableGlobalFilter: false } as const;

/**
 * A column whose cell opens its row (a button, so keyboards reach it; the same as clicking the
 * row with `onRowClick`): sorted and shown by `value`, labelled by `label`.
 */
export function openingColumn<T>({
  id,
  header,
  value,
  label,
  open,
}: {
  id: string;
  header: string;
  value: (row: T) => string;
  label: (row: T) => ReactNode;
  open: (row: T) => void;
}): DataColumn<T> {
  return {
    id,
    header,
    accessorFn: value,
    enableHiding: false,
    enableGlobalFilter: false,
    cell: ({ row }) => (
      <Anchor
        component="button"
        type="button"
        onClick={(e) => {
          e.stopPropagation();
          open(row.original);
        }}
      >
        {label(row.original)}
      </Anchor>
    ),
  };
}

/**
 * A list as a table that sorts by any column (click its header; `aria-sort` says how), filters
 * on its text, and lets the reader choose its columns. Wide tables scroll sideways inside their
 * frame, never the page; a long list (from {@link VIRTUAL_FROM} rows) scrolls inside its frame
 * with only the rows in view rendered. A list paged by the server sorts there: pass `sorting`
 * and `onSortingChange` (and leave sorting on only for the columns the server can order by).
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
  sorting: sortingFromServer,
  onSortingChange,
  onRowClick,
  rowProps,
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
  /** The order, when the server sorts (the rows come in that order). */
  sorting?: SortingState;
  /** Asks the server for another order. */
  onSortingChange?: (sorting: SortingState) => void;
  /** Opens a row (its first cell should hold a button or link doing the same, for keyboards). */
  onRowClick?: (row: T) => void;
  /** Attributes of a row's element (`data-testid`, `aria-selected`). */
  rowProps?: (row: T) => Record<string, string | boolean | undefined>;
}) {
  const [localSorting, setLocalSorting] = useState<SortingState>(initialSort ?? []);
  const manual = sortingFromServer !== undefined;
  const sorting = sortingFromServer ?? localSorting;
  const [filter, setFilter] = useState('');
  const [visibility, setVisibility] = useState<VisibilityState>(() =>
    Object.fromEntries(initialHidden.map((id) => [id, false])),
  );
  const table = useReactTable({
    data,
    columns,
    state: { sorting, globalFilter: filter, columnVisibility: visibility },
    manualSorting: manual,
    // The server always orders somehow: a column's sort turns around rather than off.
    enableSortingRemoval: !manual,
    onSortingChange: (update) => {
      const next = typeof update === 'function' ? update(sorting) : update;
      if (manual) onSortingChange?.(next);
      else setLocalSorting(next);
    },
    onGlobalFilterChange: setFilter,
    onColumnVisibilityChange: setVisibility,
    getRowId: rowKey,
    getCoreRowModel: getCoreRowModel(),
    getSortedRowModel: getSortedRowModel(),
    getFilteredRowModel: getFilteredRowModel(),
    globalFilterFn: 'includesString',
  });
  const rows = table.getRowModel().rows;
  const virtual = rows.length >= VIRTUAL_FROM;
  const frame = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: virtual ? rows.length : 0,
    getScrollElement: () => frame.current,
    estimateSize: () => ROW_ESTIMATE,
    overscan: 10,
  });
  const shown = virtual
    ? virtualizer.getVirtualItems().map((v) => ({ row: rows[v.index], index: v.index }))
    : rows.map((row, index) => ({ row, index }));
  const before = virtual ? (virtualizer.getVirtualItems()[0]?.start ?? 0) : 0;
  const after = virtual ? virtualizer.getTotalSize() - (virtualizer.getVirtualItems().at(-1)?.end ?? 0) : 0;
  const columnCount = table.getVisibleLeafColumns().length;
  const spacer = (height: number, key: string) =>
    height > 0 ? (
      <Table.Tr key={key} aria-hidden>
        <Table.Td colSpan={columnCount} style={{ height, padding: 0, border: 0 }} />
      </Table.Tr>
    ) : null;
  const body = (
    <Table highlightOnHover verticalSpacing="sm" aria-label={label} stickyHeader={virtual} miw={minWidth}>
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
        {spacer(before, 'before')}
        {shown.map(({ row, index }) => (
          <Table.Tr
            key={row.id}
            {...rowProps?.(row.original)}
            data-index={index}
            ref={virtual ? virtualizer.measureElement : undefined}
            onClick={onRowClick ? () => onRowClick(row.original) : undefined}
            style={onRowClick ? { cursor: 'pointer' } : undefined}
          >
            {row.getVisibleCells().map((cell) => (
              <Table.Td key={cell.id}>{flexRender(cell.column.columnDef.cell, cell.getContext())}</Table.Td>
            ))}
          </Table.Tr>
        ))}
        {spacer(after, 'after')}
      </Table.Tbody>
    </Table>
  );
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
        <ColumnMenu
          label={label}
          columns={table
            .getAllLeafColumns()
            .filter((c) => c.getCanHide())
            .map((c) => ({ id: c.id, header: (c.columnDef as DataColumn<T>).header, visible: c.getIsVisible() }))}
          onToggle={(id) => table.getColumn(id)?.toggleVisibility()}
        />
      </Group>
      {virtual ? (
        <div
          ref={frame}
          role="region"
          aria-label={`${label}, ${rows.length.toLocaleString()} rows`}
          tabIndex={0}
          style={{ maxHeight: '70vh', overflow: 'auto', position: 'relative' }}
        >
          {body}
        </div>
      ) : (
        <Table.ScrollContainer minWidth={minWidth} type="native">
          {body}
        </Table.ScrollContainer>
      )}
      {rows.length === 0 && (empty ?? <Text c="dimmed">Nothing matches “{filter}”.</Text>)}
    </div>
  );
}
