import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ConfigureDrawer } from './ConfigureDrawer';
import { json, renderWithApp, serveApi } from '../test/render';

const created = {
  id: 'c1',
  name: 'Okta',
  description: '',
  slug: 'okta',
  scimBaseUrl: 'https://console.test/scim/okta/v2',
  enabled: true,
  provisionUsers: true,
  provisionGroups: false,
  putSemantics: 'replace',
  keepPasswords: false,
  protectedAccounts: [],
  tokenPolicy: {},
  logRetention: { maxAgeDays: 30, maxRecords: 1000000 },
  created: '2026-11-30T00:00:00Z',
  updated: '2026-11-30T00:00:00Z',
};

test('an empty name is refused before anything is sent', async () => {
  const calls = serveApi({});
  renderWithApp(<ConfigureDrawer opened onClose={() => {}} />);
  await userEvent.click(await screen.findByRole('button', { name: 'Add' }));
  expect(await screen.findByText(/Give the configuration a name/)).toBeInTheDocument();
  expect(calls.filter((c) => c.method !== 'GET')).toHaveLength(0);
});

test('creating shows the base URL and the token once', async () => {
  const calls = serveApi({
    'GET /api/mapping/templates': () =>
      json([
        { name: 'standard', title: 'Standard SCIM user', description: 'Every common attribute.' },
        { name: 'xMatters', title: 'xMatters', description: 'The attributes xMatters lists.' },
      ]),
    'POST /api/configurations': () => json(created, 201),
    'POST /api/configurations/c1/tokens': () =>
      json({ id: 't1', prefix: 'scim_ab12cd34', token: 'scim_ab12cd34_secret', scimBaseUrl: created.scimBaseUrl }, 201),
  });
  renderWithApp(<ConfigureDrawer opened onClose={() => {}} />);
  await userEvent.type(await screen.findByLabelText(/^Name/), 'Okta');
  await userEvent.click(screen.getByRole('switch', { name: 'Groups' }));
  // Okta: its compatibility switches.
  const idp = screen.getByLabelText(/^Identity provider/, { selector: 'input' });
  await userEvent.click(idp);
  await userEvent.keyboard('{ArrowDown}{ArrowDown}{Enter}');
  expect(idp).toHaveValue('Okta');
  // The xMatters template as its first plan; its description is shown.
  const plan = screen.getByLabelText(/^Mapping plan/, { selector: 'input' });
  await waitFor(() => expect(calls.some((c) => c.path === '/api/mapping/templates')).toBe(true));
  await userEvent.click(plan);
  await userEvent.keyboard('{ArrowDown}{ArrowDown}{Enter}');
  expect(plan).toHaveValue('xMatters');
  expect(screen.getByText('The attributes xMatters lists.')).toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Add' }));
  expect(await screen.findByTestId('new-token')).toHaveTextContent('scim_ab12cd34_secret');
  expect(screen.getByTestId('new-base-url')).toHaveTextContent('https://console.test/scim/okta/v2');
  expect(calls.find((c) => c.method === 'POST' && c.path === '/api/configurations')).toMatchObject({
    body: {
      name: 'Okta',
      provisionUsers: true,
      provisionGroups: false,
      putSemantics: 'replace',
      identityProvider: 'okta',
      planTemplate: 'xMatters',
    },
  });
});

test('a field the server refuses is named at that field', async () => {
  serveApi({
    'POST /api/configurations': () =>
      json({ error: { status: 409, message: 'a configuration named "Okta" exists', field: 'name' } }, 409),
  });
  renderWithApp(<ConfigureDrawer opened onClose={() => {}} />);
  await userEvent.type(await screen.findByLabelText(/^Name/), 'Okta');
  await userEvent.click(screen.getByRole('button', { name: 'Add' }));
  await waitFor(() => expect(screen.getByLabelText(/^Name/)).toHaveAttribute('aria-invalid', 'true'));
  expect(screen.getByText('a configuration named "Okta" exists')).toBeInTheDocument();
});
