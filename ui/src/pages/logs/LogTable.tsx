import { Box } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import type { LogEntry } from '../../api/client';
import './LogTable.css';
import { formatMicros, formatShortDateTime } from '../../format';

export const outcomeColor = { success: 'green', failure: 'red', skipped: 'gray', warning: 'yellow' } as const;

const ROW = 36;
const columns = '150px 90px 120px 60px minmax(200px, 2fr) minmax(140px, 1fr) minmax(110px, 1fr) 90px 80px';
/** The table's narrowest width: below it, it scrolls sideways inside its frame (the page never does). */
const MIN_WIDTH = 1090;

/** One record's row; rendered again only when its record or its place changes. */
const Row = memo(function Row({
  entry: e,
  index,
  start,
  onOpen,
  configuration,
}: {
  entry: LogEntry;
  index: number;
  start: number;
  onOpen: (e: LogEntry) => void;
  configuration?: string;
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
      style={{ height: ROW, transform: `translateY(${start}px)`, gridTemplateColumns: columns }}
    >
      <div role="cell" title={e.at}>
        {formatShortDateTime(e.at)}
      </div>
      <div role="cell">
        <span className="log-outcome" data-outcome={e.outcome}>
          {e.outcome}
        </span>
      </div>
      <div role="cell">{e.operation}</div>
      <div role="cell">{e.status}</div>
      <div role="cell" className="log-truncate log-mono" title={`${e.method} ${e.path}`}>
        {e.method} {e.path}
      </div>
      <div role="cell" className="log-truncate" title={e.resourceId ?? undefined}>
        {e.resourceName ?? e.resourceId ?? '—'}
      </div>
      <div role="cell" className="log-truncate" title={configuration}>
        {configuration ?? '—'}
      </div>
      <div role="cell" className="log-truncate" title={e.direction === 'outbound' ? `sent to ${e.source}` : e.client}>
        {e.direction === 'outbound' ? `→ ${e.source}` : e.client}
      </div>
      <div role="cell">{formatMicros(e.durationUs)}</div>
    </div>
  );
});

/**
 * The log as a virtualised table: only the rows in view exist in the page, so 100,000 records
 * scroll as smoothly as 100. Reaching the end asks for the next (older) page.
 */
export function LogTable({
  entries,
  onOpen,
  onEnd,
  names,
}: {
  entries: LogEntry[];
  onOpen: (e: LogEntry) => void;
  onEnd?: () => void;
  names: Map<string, string>;
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

  const header = [
    'Time',
    'Outcome',
    'Operation',
    'Status',
    'Request',
    'Resource',
    'Configuration',
    'Client',
    'Duration',
  ];
  return (
    <Box
      style={{
        position: 'relative',
        overflowX: 'auto',
        border: '1px solid var(--mantine-color-default-border)',
        borderRadius: 8,
      }}
    >
      <Box
        role="table"
        aria-label="Provisioning log"
        aria-rowcount={entries.length + 1}
        style={{ minWidth: MIN_WIDTH }}
      >
        <Box
          role="row"
          style={{
            display: 'grid',
            gridTemplateColumns: columns,
            fontWeight: 600,
            fontSize: 14,
            padding: '8px 12px',
            borderBottom: '1px solid var(--mantine-color-default-border)',
          }}
        >
          {header.map((h) => (
            <div role="columnheader" key={h}>
              {h}
            </div>
          ))}
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
              />
            ))}
          </div>
        </div>
      </Box>
    </Box>
  );
}
