import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { MantineProvider } from '@mantine/core';
import { useState } from 'react';
import type { LogEntry } from '../../api/client';
import { ColumnMenu } from '../../components/ColumnMenu';
import { LogTable, useLogColumns, type LogOrder } from './LogTable';

test('100,000 records put only the rows in view into the page', () => {
  // jsdom lays nothing out: give the scroller a screenful of height, as a browser would.
  const height = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  const width = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientWidth');
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 720 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', { configurable: true, get: () => 1200 });
  const entries = Array.from(
    { length: 100_000 },
    (_, i) =>
      ({
        seq: 100_000 - i,
        at: '2026-11-30T12:00:00Z',
        configurationId: 'c1',
        client: 'entra',
        source: '127.0.0.1',
        method: 'GET',
        path: '/scim/x/v2/Users',
        operation: 'query',
        status: 200,
        outcome: 'success',
        durationUs: 900,
      }) as LogEntry,
  );
  const { container, getByRole } = render(
    <MantineProvider>
      <LogTable entries={entries} onOpen={() => {}} names={new Map()} />
    </MantineProvider>,
  );
  expect(getByRole('table')).toHaveAttribute('aria-rowcount', '100001');
  const rows = container.querySelectorAll('[data-seq]');
  expect(rows.length).toBeGreaterThan(0);
  expect(rows.length).toBeLessThan(100);
  Object.defineProperty(HTMLElement.prototype, 'clientHeight', height ?? { value: 0 });
  Object.defineProperty(HTMLElement.prototype, 'clientWidth', width ?? { value: 0 });
});

function entry(seq: number, over: Partial<LogEntry> = {}): LogEntry {
  return {
    seq,
    at: '2026-11-30T12:00:00Z',
    configurationId: 'c1',
    client: 'entra',
    source: '203.0.113.7',
    method: 'PATCH',
    path: `/scim/x/v2/Users/u${seq}`,
    operation: 'update',
    status: 400,
    outcome: 'failure',
    scimType: 'invalidValue',
    detail: 'active: not a boolean',
    credential: 'scim_ab12cd34_…',
    durationUs: 900,
    ...over,
  } as LogEntry;
}

/** The log page's arrangement: the column menu beside the table, the order in the time's header. */
function Log({ onOrder }: { onOrder: (o: LogOrder) => void }) {
  const columns = useLogColumns();
  const [order, setOrder] = useState<LogOrder>('newest');
  return (
    <MantineProvider>
      <ColumnMenu label="Provisioning log" columns={columns.choices} onToggle={columns.toggle} />
      <LogTable
        entries={[entry(2), entry(1)]}
        onOpen={() => {}}
        names={new Map([['c1', 'Contoso']])}
        columns={columns.shown}
        order={order}
        onOrder={(o) => {
          onOrder(o);
          setOrder(o);
        }}
      />
    </MantineProvider>
  );
}

test('the log offers every column, keeps the choice in this browser, and turns its order around', async () => {
  localStorage.clear();
  const asked: LogOrder[] = [];
  const first = render(<Log onOrder={(o) => asked.push(o)} />);
  const headers = () => screen.getAllByRole('columnheader').map((h) => h.textContent);
  expect(headers()).toEqual([
    'Time',
    'Outcome',
    'Operation',
    'Status',
    'Request',
    'Resource',
    'Configuration',
    'Client',
    'Duration',
  ]);
  // jsdom lays out nothing, so the open menu's popover counts itself detached and hides: its
  // checkboxes are reached as hidden ones.
  await userEvent.click(screen.getByRole('button', { name: 'Choose the columns of provisioning log' }));
  const choose = async (name: string) => userEvent.click(await screen.findByRole('checkbox', { name, hidden: true }));
  await choose('Error');
  await choose('Source address');
  await choose('Client');
  // The time orders the log: it is always shown.
  expect(screen.queryByRole('checkbox', { name: 'Time', hidden: true })).toBeNull();
  expect(screen.getByRole('checkbox', { name: 'Duration', hidden: true })).toBeChecked();
  expect(headers()).toEqual([
    'Time',
    'Outcome',
    'Operation',
    'Status',
    'Request',
    'Resource',
    'Error',
    'Configuration',
    'Source address',
    'Duration',
  ]);
  // Kept: the page opened again shows the same columns.
  first.unmount();
  render(<Log onOrder={(o) => asked.push(o)} />);
  expect(headers()).toContain('Error');
  expect(headers()).not.toContain('Client');

  const time = screen.getByRole('columnheader', { name: /Time/ });
  expect(time).toHaveAttribute('aria-sort', 'descending');
  await userEvent.click(screen.getByRole('button', { name: 'Time' }));
  expect(asked).toEqual(['oldest']);
  expect(screen.getByRole('columnheader', { name: /Time/ })).toHaveAttribute('aria-sort', 'ascending');
  localStorage.clear();
});
