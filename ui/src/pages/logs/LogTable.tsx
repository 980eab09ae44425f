import { Badge, Box, Text } from '@mantine/core';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef } from 'react';
import type { LogEntry } from '../../api/client';
import { formatMicros, formatTime } from '../../format';

export const outcomeColor = { success: 'green', failure: 'red', skipped: 'gray', warning: 'yellow' } as const;

const ROW = 36;
const columns = '150px 90px 120px 80px minmax(220px, 2fr) minmax(140px, 1fr) 80px 90px';

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

  const header = ['Time', 'Outcome', 'Operation', 'Status', 'Request', 'Resource', 'Client', 'Duration'];
  return (
    <Box
      role="table"
      aria-label="Provisioning log"
      aria-rowcount={entries.length + 1}
      style={{ border: '1px solid var(--mantine-color-default-border)', borderRadius: 8 }}
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
          {items.map((item) => {
            const e = entries[item.index];
            return (
              <div
                key={e.seq}
                role="row"
                aria-rowindex={item.index + 2}
                tabIndex={0}
                data-seq={e.seq}
                onClick={() => onOpen(e)}
                onKeyDown={(k) => (k.key === 'Enter' || k.key === ' ') && onOpen(e)}
                className="log-row"
                style={{
                  position: 'absolute',
                  top: 0,
                  left: 0,
                  right: 0,
                  height: ROW,
                  transform: `translateY(${item.start}px)`,
                  display: 'grid',
                  gridTemplateColumns: columns,
                  alignItems: 'center',
                  padding: '0 12px',
                  fontSize: 13,
                  cursor: 'pointer',
                  borderBottom: '1px solid var(--mantine-color-default-border)',
                }}
              >
                <div role="cell" title={e.at}>
                  {formatTime(e.at)}
                </div>
                <div role="cell">
                  <Badge size="sm" color={outcomeColor[e.outcome]} variant="light">
                    {e.outcome}
                  </Badge>
                </div>
                <div role="cell">{e.operation}</div>
                <div role="cell">{e.status}</div>
                <Text role="cell" size="sm" ff="monospace" truncate title={`${e.method} ${e.path}`}>
                  {e.method} {e.path}
                </Text>
                <Text role="cell" size="sm" truncate title={names.get(e.configurationId)}>
                  {e.resourceName ?? e.resourceId ?? '—'}
                </Text>
                <div role="cell">{e.client}</div>
                <div role="cell">{formatMicros(e.durationUs)}</div>
              </div>
            );
          })}
        </div>
      </div>
    </Box>
  );
}
