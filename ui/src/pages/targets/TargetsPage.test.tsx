import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, renderWithApp, serveApi } from '../../test/render';
import { TargetsPage, type Target } from './TargetsPage';

const target: Target = {
  id: 'tgt_1',
  name: 'Staging app',
  baseUrl: 'https://staging.example.com/scim/v2',
  auth: { kind: 'bearer' },
  secretStore: 'sealed',
  created: '2026-11-30T08:00:00Z',
  updated: '2026-11-30T08:00:00Z',
  lastTest: null,
  lastTestOk: null,
};

test('adding a target shows the server’s field error on its input, then lists it', async () => {
  let listed: Target[] = [];
  let attempts = 0;
  const calls = serveApi({
    'GET /api/targets': () => json(listed),
    'POST /api/targets': () => {
      attempts += 1;
      if (attempts === 1)
        return json(
          { error: { status: 400, message: 'must start with https:// (or http://)', field: 'baseUrl' } },
          400,
        );
      listed = [target];
      return json({ target, keychainUnavailable: 'no session bus' }, 201);
    },
  });
  renderWithApp(<TargetsPage />);
  await userEvent.click((await screen.findAllByRole('button', { name: 'Add target' }))[0]);
  const dialog = await screen.findByRole('dialog');
  await userEvent.type(within(dialog).getByLabelText(/^Name/), 'Staging app');
  await userEvent.type(within(dialog).getByLabelText(/^SCIM base URL/), 'staging.example.com');
  await userEvent.type(
    within(dialog).getByLabelText(/^Bearer token/, { selector: 'input[type="password"]' }),
    'secret-token',
  );
  await userEvent.click(within(dialog).getByRole('button', { name: 'Add target' }));
  expect(await within(dialog).findByText('must start with https:// (or http://)')).toBeInTheDocument();
  const url = within(dialog).getByLabelText(/^SCIM base URL/);
  await userEvent.clear(url);
  await userEvent.type(url, 'https://staging.example.com/scim/v2');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Add target' }));
  expect(await screen.findByRole('cell', { name: 'Staging app' })).toBeInTheDocument();
  expect(screen.getByText('sealed in the database')).toBeInTheDocument();
  const posted = calls.filter((c) => c.method === 'POST').at(-1)?.body;
  expect(posted).toEqual({
    name: 'Staging app',
    baseUrl: 'https://staging.example.com/scim/v2',
    secret: 'secret-token',
    auth: { kind: 'bearer' },
  });
});

test('OAuth client credentials send the token endpoint and client id', async () => {
  const calls = serveApi({
    'GET /api/targets': () => json([]),
    'POST /api/targets': () => json({ target, keychainUnavailable: null }, 201),
  });
  renderWithApp(<TargetsPage />);
  await userEvent.click((await screen.findAllByRole('button', { name: 'Add target' }))[0]);
  const dialog = await screen.findByRole('dialog');
  await userEvent.type(within(dialog).getByLabelText(/^Name/), 'OAuth app');
  await userEvent.type(within(dialog).getByLabelText(/^SCIM base URL/), 'https://a.example.com/scim');
  await userEvent.click(within(dialog).getByText('OAuth client credentials'));
  await userEvent.type(within(dialog).getByLabelText(/^Token endpoint/), 'https://a.example.com/token');
  await userEvent.type(within(dialog).getByLabelText(/^Client id/), 'client-1');
  await userEvent.type(
    within(dialog).getByLabelText(/^Client secret/, { selector: 'input[type="password"]' }),
    's3cret',
  );
  await userEvent.click(within(dialog).getByRole('button', { name: 'Add target' }));
  await screen.findByText('Staging app added');
  expect(calls.find((c) => c.method === 'POST')?.body).toMatchObject({
    auth: {
      kind: 'oauthClientCredentials',
      tokenUrl: 'https://a.example.com/token',
      clientId: 'client-1',
      scope: null,
    },
    secret: 's3cret',
  });
});

test('testing a target shows every check and the verdict', async () => {
  serveApi({
    'GET /api/targets': () => json([target]),
    'POST /api/targets/tgt_1/test': () =>
      json({
        baseUrl: target.baseUrl,
        ok: false,
        checks: [
          {
            name: 'The token is accepted',
            request: 'GET /Users?startIndex=1&count=2',
            status: 401,
            verdict: 'fail',
            detail: 'HTTP 401 instead of 200 — the token is wrong, expired or revoked',
            durationMs: 3,
          },
        ],
      }),
  });
  renderWithApp(<TargetsPage />);
  await userEvent.click(await screen.findByRole('button', { name: 'Test connection' }));
  expect(await screen.findByTestId('target-verdict')).toHaveTextContent('Connection has problems');
  expect(screen.getByText(/the token is wrong, expired or revoked/)).toBeInTheDocument();
});

test('a role that may not change targets is not offered to add one', async () => {
  serveApi({
    'GET /api/targets': () => json([target]),
    'GET /api/me': () =>
      json({
        administrator: null,
        via: 'session',
        grants: [{ role: 'viewer' }],
        areas: [{ area: 'targets', read: true, write: false }],
      }),
  });
  renderWithApp(<TargetsPage />);
  expect(await screen.findByRole('cell', { name: 'Staging app' })).toBeInTheDocument();
  expect(screen.queryByRole('button', { name: 'Add target' })).not.toBeInTheDocument();
});
