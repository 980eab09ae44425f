import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration } from '../api/client';
import { json, renderWithApp, serveApi } from '../test/render';
import { ConfigurationsPage, tokenDue } from './ConfigurationsPage';

const DAY = 86_400_000;
const now = Date.parse('2026-11-30T12:00:00Z');
const at = (days: number) => new Date(now + days * DAY).toISOString();

test('a token deadline within 30 days reads as a flag, red once past', () => {
  expect(tokenDue({ kind: 'expiry', at: at(5) }, now)).toEqual({ text: 'Token expires in 5 days', past: false });
  expect(tokenDue({ kind: 'expiry', at: at(-1) }, now)).toEqual({ text: 'Token expired', past: true });
  expect(tokenDue({ kind: 'rotation', at: at(12) }, now)).toEqual({ text: 'Rotation due in 12 days', past: false });
  expect(tokenDue({ kind: 'rotation', at: at(-3) }, now)).toEqual({ text: 'Rotation overdue', past: true });
  expect(tokenDue(undefined, now)).toBeNull();
});

test('the list flags the configurations whose token falls due', async () => {
  const configuration = (name: string, tokenDue?: Configuration['tokenDue']) =>
    ({
      id: name,
      name,
      description: '',
      slug: name,
      scimBaseUrl: `https://scim.example/scim/${name}/v2`,
      enabled: true,
      provisionUsers: true,
      provisionGroups: true,
      tokenDue,
    }) as unknown as Configuration;
  serveApi({
    'GET /api/configurations': () =>
      json([configuration('acme-prod', { kind: 'rotation', at: '2020-01-01T00:00:00Z' }), configuration('acme-qa')]),
    'GET /api/me': () => json({ administrator: null, via: 'admin token', grants: [], areas: [] }),
  });
  renderWithApp(<ConfigurationsPage />);
  expect(await screen.findByText('Rotation overdue')).toBeVisible();
  expect(screen.getAllByText(/Rotation|Token expire/)).toHaveLength(1);
});

test("the list shows each configuration's health, a firing alert making it not healthy, and sorts by it", async () => {
  const configuration = (name: string, health: Configuration['health']) =>
    ({
      id: name,
      name,
      description: '',
      slug: name,
      scimBaseUrl: `https://scim.example/scim/${name}/v2`,
      enabled: true,
      provisionUsers: true,
      provisionGroups: true,
      health,
    }) as unknown as Configuration;
  serveApi({
    'GET /api/configurations': () =>
      json([
        configuration('alpha', {
          state: 'healthy',
          reason: 'no request for a user failed in the last 24 hours',
          unresolved: 0,
          failuresLastHour: 0,
          firingAlerts: [],
          lastRequest: '2026-12-07T10:00:00Z',
          lastFailure: null,
        }),
        configuration('beta', {
          state: 'degraded',
          reason: 'alert firing: "Failures" (at least 50% of requests fail over 15 minutes (from 10 requests))',
          unresolved: 0,
          failuresLastHour: 0,
          firingAlerts: [{ id: 1, name: 'Failures', description: 'x', since: '2026-12-07T10:00:00Z' }],
          lastRequest: '2026-12-07T10:00:00Z',
          lastFailure: '2026-12-07T10:00:00Z',
        }),
      ]),
    'GET /api/me': () => json({ administrator: null, via: 'admin token', grants: [], areas: [] }),
  });
  renderWithApp(<ConfigurationsPage />);
  expect(await screen.findByText('1 alert firing')).toBeVisible();
  expect(screen.getByText(/alert firing: "Failures"/)).toBeVisible();
  const table = screen.getByRole('table', { name: 'SCIM configurations' });
  const names = () =>
    within(table)
      .getAllByRole('link')
      .map((a) => a.textContent);
  expect(names()).toEqual(['alpha', 'beta']);
  await userEvent.click(within(table).getByRole('button', { name: 'Health' }));
  expect(names()).toEqual(['beta', 'alpha']);
  expect(within(table).getByRole('columnheader', { name: 'Health' })).toHaveAttribute('aria-sort', 'ascending');
  // The filter keeps the rows whose text matches.
  await userEvent.type(screen.getByRole('textbox', { name: 'Filter scim configurations' }), 'firing');
  expect(names()).toEqual(['beta']);
});
