import { render } from '@testing-library/react';
import { MantineProvider } from '@mantine/core';
import type { LogEntry } from '../../api/client';
import { LogTable } from './LogTable';

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
