import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { SortingState } from '@tanstack/react-table';
import { useState } from 'react';
import { renderWithApp } from '../test/render';
import { orderOf } from '../pages/configuration/DirectoryTab';
import { DataTable, VIRTUAL_FROM, type DataColumn } from './DataTable';

interface Item {
  id: string;
  name: string;
  size: number;
}
const columns: DataColumn<Item>[] = [
  { id: 'name', header: 'Name', accessorFn: (i) => i.name },
  { id: 'size', header: 'Size', accessorFn: (i) => i.size, enableSorting: false },
];
const items: Item[] = [
  { id: '1', name: 'beta', size: 2 },
  { id: '2', name: 'alpha', size: 1 },
  { id: '3', name: 'gamma', size: 3 },
];
const names = () =>
  within(screen.getByRole('table'))
    .getAllByRole('row')
    .slice(1)
    .map((r) => within(r).getAllByRole('cell')[0].textContent);

test('sorts by a column, filters on text, and hides a chosen column', async () => {
  renderWithApp(
    <DataTable label="Things" data={items} columns={columns} rowKey={(i) => i.id} filterPlaceholder="Filter" />,
  );
  expect(names()).toEqual(['beta', 'alpha', 'gamma']);
  await userEvent.click(screen.getByRole('button', { name: 'Name' }));
  expect(names()).toEqual(['alpha', 'beta', 'gamma']);
  expect(screen.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'ascending');
  await userEvent.type(screen.getByRole('textbox', { name: 'Filter things' }), 'mm');
  expect(names()).toEqual(['gamma']);
  await userEvent.click(screen.getByRole('button', { name: 'Choose the columns of things' }));
  await userEvent.click(await screen.findByRole('checkbox', { name: 'Size' }));
  expect(screen.queryByRole('columnheader', { name: 'Size' })).toBeNull();
});

test('a list sorted by the server asks it for the order and keeps the rows as they come', async () => {
  const asked: SortingState[] = [];
  function Served() {
    const [sorting, setSorting] = useState<SortingState>([{ id: 'name', desc: false }]);
    return (
      <DataTable
        label="Served"
        data={items}
        columns={columns}
        rowKey={(i) => i.id}
        sorting={sorting}
        onSortingChange={(s) => {
          asked.push(s);
          setSorting(s);
        }}
      />
    );
  }
  renderWithApp(<Served />);
  await userEvent.click(screen.getByRole('button', { name: 'Name' }));
  expect(asked.at(-1)).toEqual([{ id: 'name', desc: true }]);
  expect(screen.getByRole('columnheader', { name: 'Name' })).toHaveAttribute('aria-sort', 'descending');
  // The rows are the server's: not sorted again here.
  expect(names()).toEqual(['beta', 'alpha', 'gamma']);
  // A column the server cannot order by offers no sorting.
  expect(screen.queryByRole('button', { name: 'Size' })).toBeNull();
  // The order turns around, never off.
  await userEvent.click(screen.getByRole('button', { name: 'Name' }));
  expect(asked.at(-1)).toEqual([{ id: 'name', desc: false }]);
});

test('a long list renders only the rows in view, inside its own scrolling frame', () => {
  // jsdom lays nothing out: the frame and the rows get the sizes a browser would measure.
  const frame = Object.getOwnPropertyDescriptor(Element.prototype, 'clientHeight');
  const row = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'offsetHeight');
  Object.defineProperty(Element.prototype, 'clientHeight', {
    configurable: true,
    get(this: Element) {
      return this.getAttribute('role') === 'region' ? 600 : 0;
    },
  });
  Object.defineProperty(HTMLElement.prototype, 'offsetHeight', {
    configurable: true,
    get(this: HTMLElement) {
      return this.tagName === 'TR' ? 44 : 0;
    },
  });
  onTestFinished(() => {
    if (frame) Object.defineProperty(Element.prototype, 'clientHeight', frame);
    if (row) Object.defineProperty(HTMLElement.prototype, 'offsetHeight', row);
  });
  const many = Array.from({ length: VIRTUAL_FROM * 5 }, (_, i) => ({ id: String(i), name: `n${i}`, size: i }));
  renderWithApp(<DataTable label="Many" data={many} columns={columns} rowKey={(i) => i.id} />);
  expect(screen.getByRole('region', { name: `Many, ${many.length.toLocaleString()} rows` })).toBeInTheDocument();
  // The rows in view and a margin, the first ones; not the thousand.
  const rows = within(screen.getByRole('table'))
    .getAllByRole('row')
    .filter((r) => r.getAttribute('aria-hidden') !== 'true');
  expect(rows.length).toBeGreaterThan(5);
  expect(rows.length).toBeLessThan(100);
  expect(screen.getByText('n0')).toBeInTheDocument();
  expect(screen.queryByText(`n${many.length - 1}`)).toBeNull();
});

test("the directory's sorting is the server's order", () => {
  expect(orderOf([])).toBe('name');
  expect(orderOf([{ id: 'name', desc: true }])).toBe('nameDescending');
  expect(orderOf([{ id: 'created', desc: false }])).toBe('created');
  expect(orderOf([{ id: 'created', desc: true }])).toBe('createdDescending');
});
