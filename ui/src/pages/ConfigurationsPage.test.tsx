import { screen } from '@testing-library/react';
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
