import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration, OAuthClient } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { keysSummary, OAuthClientsPanel, parseJwks } from './OAuthClientsPanel';

const client = (over: Partial<OAuthClient>): OAuthClient =>
  ({
    clientId: 'scimc_secret01',
    label: 'Old IdP',
    authMethod: 'clientSecret',
    jwks: null,
    jwksUri: null,
    state: 'active',
    created: '2026-11-01T00:00:00Z',
    createdBy: 'admin',
    revoked: null,
    revokedBy: null,
    lastUsed: null,
    lastUsedFrom: null,
    ...over,
  }) as OAuthClient;
const configuration = { id: 'c1', clientAuthentication: 'any' } as Configuration;
const jwk = { kty: 'EC', crv: 'P-256', x: 'eA', y: 'eQ', kid: 'key-2026' };

test('keys are summarised by URL or key ids, and pasted text must be a JSON object', () => {
  expect(keysSummary(client({}))).toBe('client secret');
  expect(keysSummary(client({ authMethod: 'privateKeyJwt', jwksUri: 'https://idp/jwks' }))).toBe('https://idp/jwks');
  expect(keysSummary(client({ authMethod: 'privateKeyJwt', jwks: { keys: [jwk, { kty: 'RSA' }] } as never }))).toBe(
    'key-2026, RSA',
  );
  expect(parseJwks('{"keys": []}')).toEqual({ jwks: { keys: [] } });
  expect(parseJwks('[1]')).toHaveProperty('error');
  expect(parseJwks('{')).toHaveProperty('error');
});

test('a client registered with its public keys is sent them and shown without a secret', async () => {
  const calls = serveApi({
    'GET /api/configurations/c1/oauth-clients': () => json([client({})]),
    'GET /api/configurations/c1/tokens': () => json([]),
    'POST /api/configurations/c1/oauth-clients': () =>
      json(
        {
          ...client({ clientId: 'scimc_jwt00001', authMethod: 'privateKeyJwt', jwks: { keys: [jwk] } as never }),
          clientSecret: null,
          tokenEndpoint: 'https://console/scim/acme/oauth/token',
          issuer: 'https://console/scim/acme',
          scimBaseUrl: 'https://console/scim/acme/v2',
        },
        201,
      ),
  });
  renderWithApp(<OAuthClientsPanel configuration={configuration} />);
  expect(await screen.findByText('scimc_secret01')).toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Add OAuth client' }));
  const dialog = await screen.findByRole('dialog');
  await userEvent.type(within(dialog).getByLabelText('Label'), 'IPSIE service');
  await userEvent.click(within(dialog).getByText('Public keys (JWK Set)'));
  const keys = within(dialog).getByLabelText(/Public keys/, { selector: 'textarea' });
  // Not JSON: said in the form, nothing sent.
  await userEvent.type(keys, 'not json');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Add client' }));
  expect(await within(dialog).findByRole('alert')).toHaveTextContent('Not JSON');
  expect(calls.filter((c) => c.method === 'POST')).toHaveLength(0);
  await userEvent.clear(keys);
  await userEvent.click(keys);
  await userEvent.paste(JSON.stringify({ keys: [jwk] }));
  await userEvent.click(within(dialog).getByRole('button', { name: 'Add client' }));
  expect(await screen.findByTestId('issued-client-id')).toHaveTextContent('scimc_jwt00001');
  expect(screen.queryByTestId('issued-client-secret')).toBeNull();
  expect(screen.getByText('https://console/scim/acme', { selector: '*' })).toBeInTheDocument();
  expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ label: 'IPSIE service', jwks: { keys: [jwk] } });
});

test('requiring signed JWTs says what stops working before it is saved', async () => {
  const calls = serveApi({
    'GET /api/configurations/c1/oauth-clients': () => json([client({})]),
    'GET /api/configurations/c1/tokens': () =>
      json([{ id: 't1', label: 'Entra', prefix: 'scim_ab12cd34', state: 'active', created: '2026-01-01T00:00:00Z' }]),
    'PATCH /api/configurations/c1': () => json({ ...configuration, clientAuthentication: 'privateKeyJwt' }),
  });
  renderWithApp(<OAuthClientsPanel configuration={configuration} />);
  expect(await screen.findByText('scimc_secret01')).toBeInTheDocument();
  await waitFor(() => expect(calls.some((c) => c.path.endsWith('/tokens'))).toBe(true));
  await userEvent.click(screen.getByText('Only OAuth clients with signed JWTs'));
  const dialog = await screen.findByRole('dialog');
  await waitFor(() =>
    expect(dialog).toHaveTextContent('1 live bearer token(s) and 1 client(s) with a secret stop working'),
  );
  await userEvent.click(within(dialog).getByRole('button', { name: 'Accept only signed JWTs' }));
  await waitFor(() =>
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ clientAuthentication: 'privateKeyJwt' }),
  );
});
