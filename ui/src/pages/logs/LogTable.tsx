import { Box, UnstyledButton } from '@mantine/core';
import { IconSortAscending, IconSortDescending } from '@tabler/icons-react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useMemo, useRef, type ReactNode } from 'react';
import type { LogEntry } from '../../api/client';
import { useHiddenColumns, type ColumnChoice } from '../../components/ColumnMenu';
import './LogTable.css';
import { formatMicros, formatShortDateTime } from '../../format';

export const outcomeColor = { success: 'green', failure: 'red', skipped: 'gray', warning: 'yellow' } as const;

/** Which records come first: the newest (the default) or the oldest. */
export type LogOrder = 'newest' | 'oldest';

const ROW = 36;
/** The cells' side padding together: part of the table's narrowest width. */
const PADDING = 24;

/** A column of the log table: its grid track, the narrowest it gets, and its cell. */
interface LogColumn {
  id: string;
  header: string;
  /** The CSS grid track (`150px`, `minmax(200px, 2fr)`). */
  track: string;
  /** Its narrowest width in pixels (the track's minimum). */
  min: number;
  cell: (e: LogEntry, configuration?: string) => ReactNode;
}

/** Every column, in order; the time is always shown (the log is ordered by it). */
const logColumns: LogColumn[] = [
  {
    id: 'time',
    header: 'Time',
    track: '150px',
    min: 150,
    cell: (e) => <div title={e.at}>{formatShortDateTime(e.at)}</div>,
  },
  {
    id: 'outcome',
    header: 'Outcome',
    track: '90px',
    min: 90,
    cell: (e) => (
      <span className="log-outcome" data-outcome={e.outcome}>
        {e.outcome}
      </span>
    ),
  },
  { id: 'operation', header: 'Operation', track: '120px', min: 120, cell: (e) => e.operation },
  { id: 'status', header: 'Status', track: '60px', min: 60, cell: (e) => e.status },
  {
    id: 'request',
    header: 'Request',
    track: 'minmax(200px, 2fr)',
    min: 200,
    cell: (e) => (
      <div className="log-truncate log-mono" title={`${e.method} ${e.path}`}>
        {e.method} {e.path}
      </div>
    ),
  },
  {
    id: 'resource',
    header: 'Resource',
    track: 'minmax(140px, 1fr)',
    min: 140,
    cell: (e) => (
      <div className="log-truncate" title={e.resourceId ?? undefined}>
        {e.resourceName ?? e.resourceId ?? '—'}
      </div>
    ),
  },
  {
    id: 'error',
    header: 'Error',
    track: 'minmax(160px, 2fr)',
    min: 160,
    cell: (e) => (
      <div className="log-truncate" title={e.detail ?? undefined}>
        {e.scimType ? `${e.scimType}: ` : ''}
        {e.outcome === 'success' ? '—' : (e.detail ?? '—')}
      </div>
    ),
  },
  {
    id: 'configuration',
    header: 'Configuration',
    track: 'minmax(110px, 1fr)',
    min: 110,
    cell: (_e, configuration) => (
      <div className="log-truncate" title={configuration}>
        {configuration ?? '—'}
      </div>
    ),
  },
  {
    id: 'client',
    header: 'Client',
    track: '90px',
    min: 90,
    cell: (e) => (
      <div className="log-truncate" title={e.direction === 'outbound' ? `sent to ${e.source}` : e.client}>
        {e.direction === 'outbound' ? `→ ${e.source}` : e.client}
      </div>
    ),
  },
  {
    id: 'source',
    header: 'Source address',
    track: '130px',
    min: 130,
    cell: (e) => (
      <div className="log-truncate log-mono" title={e.source}>
        {e.source}
      </div>
    ),
  },
  {
    id: 'credential',
    header: 'Credential',
    track: 'minmax(140px, 1fr)',
    min: 140,
    cell: (e) => (
      <div className="log-truncate log-mono" title={e.credential ?? undefined}>
        {e.credential ?? '—'}
      </div>
    ),
  },
  { id: 'duration', header: 'Duration', track: '80px', min: 80, cell: (e) => formatMicros(e.durationUs) },
];

/** The columns hidden until chosen. */
const HIDDEN_FIRST = ['error', 'source', 'credential'];

/**
 * The log table's column choice, kept in this browser: the columns shown, and what a
 * {@link ColumnMenu} offers.
 */
export function useLogColumns() {
  const [hidden, toggle] = useHiddenColumns('scim-console.log-columns', HIDDEN_FIRST);
  const shown = useMemo(() => logColumns.filter((c) => c.id === 'time' || !hidden.has(c.id)), [hidden]);
  const choices: ColumnChoice[] = logColumns
    .filter((c) => c.id !== 'time')
    .map((c) => ({ id: c.id, header: c.header, visible: !hidden.has(c.id) }));
  return { shown, choices, toggle };
}

/** One record's row; rendered again only when its record, its place or the columns change. */
const Row = memo(function Row({
  entry: e,
  index,
  start,
  onOpen,
  configuration,
  columns,
  template,
}: {
  entry: LogEntry;
  index: number;
  start: number;
  onOpen: (e: LogEntry) => void;
  configuration?: string;
  columns: LogColumn[];
  template: string;
}) {
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      tabIndex={0}
      data-seq={e.seq}
      onClick={() => onOpen(e)}
      onKeyDown={(k) => (k.key === 'Enter' || k.key === ' ') && onOpen(e)}
      className="log-row"
      style={{ height: ROW, transform: `translateY(${start}px)`, gridTemplateColumns: template }}
    >
      {columns.map((c) => (
        <div role="cell" key={c.id}>
          {c.cell(e, configuration)}
        </div>
      ))}
    </div>
  );
});

/**
 * The log as a virtualised table: only the rows in view exist in the page, so 100,000 records
 * scroll as smoothly as 100. Reaching the end asks for the next page (older ones when newest
 * first, newer ones when oldest first); the time's header turns the order around.
 */
export function LogTable({
  entries,
  onOpen,
  onEnd,
  names,
  columns = logColumns.filter((c) => !HIDDEN_FIRST.includes(c.id)),
  order = 'newest',
  onOrder,
}: {
  entries: LogEntry[];
  onOpen: (e: LogEntry) => void;
  onEnd?: () => void;
  names: Map<string, string>;
  /** The columns shown (from {@link useLogColumns}). */
  columns?: LogColumn[];
  order?: LogOrder;
  /** Asks for the other order. */
  onOrder?: (order: LogOrder) => void;
}) {
  const parent = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({
    count: entries.length,
    getScrollElement: () => parent.current,
    estimateSize: () => ROW,
    overscan: 12,
  });
  const items = virtualizer.getVirtualItems();
  const last = items[items.length - 1];
  useEffect(() => {
    if (last && last.index >= entries.length - 20) onEnd?.();
  }, [last, entries.length, onEnd]);
  // Another order starts at its top.
  useEffect(() => {
    if (parent.current) parent.current.scrollTop = 0;
  }, [order]);

  const template = useMemo(() => columns.map((c) => c.track).join(' '), [columns]);
  // The table's narrowest width: below it, it scrolls sideways inside its frame (the page never does).
  const minWidth = columns.reduce((sum, c) => sum + c.min, PADDING);
  const OrderIcon = order === 'oldest' ? IconSortAscending : IconSortDescending;
  return (
    <Box
      style={{
        position: 'relative',
        overflowX: 'auto',
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 8,
      }}
    >
      <Box role="table" aria-label="Provisioning log" aria-rowcount={entries.length + 1} style={{ minWidth }}>
        <Box
          role="row"
          style={{
            display: 'grid',
            gridTemplateColumns: template,
            fontWeight: 600,
            fontSize: 14,
            padding: '8px 12px',
            borderBottom: '1px solid var(--mantine-color-default-border)',
          }}
        >
          {columns.map((c) =>
            c.id === 'time' && onOrder ? (
              <div role="columnheader" key={c.id} aria-sort={order === 'oldest' ? 'ascending' : 'descending'}>
                <UnstyledButton
                  fw={600}
                  fz="sm"
                  onClick={() => onOrder(order === 'oldest' ? 'newest' : 'oldest')}
                  style={{ display: 'inline-flex', alignItems: 'center', gap: 4 }}
                >
                  {c.header}
                  <OrderIcon size={14} aria-hidden />
                </UnstyledButton>
              </div>
            ) : (
              <div role="columnheader" key={c.id}>
                {c.header}
              </div>
            ),
          )}
        </Box>
        <div
          ref={parent}
          style={{ height: 'min(65vh, 720px)', overflow: 'auto', contain: 'strict' }}
          data-testid="log-scroller"
        >
          <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="rowgroup">
            {items.map((item) => (
              <Row
                key={entries[item.index].seq}
                entry={entries[item.index]}
                index={item.index}
                start={item.start}
                onOpen={onOpen}
                configuration={names.get(entries[item.index].configurationId)}
                columns={columns}
                template={template}
              />
            ))}
          </div>
        </div>
      </Box>
    </Box>
  );
}
