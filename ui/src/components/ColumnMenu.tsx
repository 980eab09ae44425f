import { ActionIcon, Checkbox, Menu } from '@mantine/core';
import { IconColumns } from '@tabler/icons-react';
import { useCallback, useState } from 'react';

/** A column the reader may show or hide. */
export interface ColumnChoice {
  id: string;
  header: string;
  visible: boolean;
}

/** The menu that shows and hides a table's columns, named after the table (`label`). */
export function ColumnMenu({
  label,
  columns,
  onToggle,
}: {
  label: string;
  columns: ColumnChoice[];
  onToggle: (id: string) => void;
}) {
  return (
    <Menu position="bottom-end" closeOnItemClick={false}>
      <Menu.Target>
        <ActionIcon variant="default" size="lg" aria-label={`Choose the columns of ${label.toLowerCase()}`}>
          <IconColumns size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>Columns</Menu.Label>
        {columns.map((c) => (
          <Menu.Item key={c.id} onClick={() => onToggle(c.id)}>
            <Checkbox
              label={c.header}
              checked={c.visible}
              onChange={() => onToggle(c.id)}
              onClick={(e) => e.stopPropagation()}
            />
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

/** Reads the hidden columns kept under `key`, or `fallback` when none (or unreadable) are kept. */
function readHidden(key: string, fallback: string[]): string[] {
  try {
    const kept: unknown = JSON.parse(localStorage.getItem(key) ?? 'null');
    return Array.isArray(kept) && kept.every((k) => typeof k === 'string') ? kept : fallback;
  } catch {
    return fallback;
  }
}

/**
 * The columns hidden from a table, kept in this browser under `key` so the choice outlives the
 * page; `initial` until the reader chooses.
 */
export function useHiddenColumns(key: string, initial: string[]): [Set<string>, (id: string) => void] {
  const [hidden, setHidden] = useState(() => new Set(readHidden(key, initial)));
  const toggle = useCallback(
    (id: string) =>
      setHidden((prev) => {
        const next = new Set(prev);
        if (!next.delete(id)) next.add(id);
        try {
          localStorage.setItem(key, JSON.stringify([...next]));
        } catch {
          // A browser that keeps nothing (private mode, full storage) still hides the column now.
        }
        return next;
      }),
    [key],
  );
  return [hidden, toggle];
}
