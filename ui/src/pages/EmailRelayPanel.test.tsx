import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { json, renderWithApp, serveApi } from '../test/render';
import { EmailRelayPanel } from './EmailRelayPanel';

const owner = {
  administrator: null,
  via: 'admin token',
  grants: [{ role: 'owner' }],
  areas: [{ area: 'settings', read: true, write: true }],
};

test('a relay is saved with its port following the security chosen', async () => {
  const calls = serveApi({
    'GET /api/settings/email': () => json({ relay: null }),
    'GET /api/me': () => json(owner),
    'PUT /api/settings/email': () =>
      json({
        host: 'smtp.contoso.com',
        port: 465,
        security: 'tls',
        username: 'alerts',
        passwordSet: true,
        from: 'scim@contoso.com',
        trustedCertificate: null,
        updated: '2026-12-07T10:00:00Z',
        updatedBy: 'admin',
      }),
  });
  renderWithApp(<EmailRelayPanel />);
  await userEvent.type(await screen.findByRole('textbox', { name: 'Host' }), 'smtp.contoso.com');
  await userEvent.click(screen.getByText('TLS (465)'));
  await userEvent.type(screen.getByRole('textbox', { name: 'User name' }), 'alerts');
  await userEvent.type(screen.getByLabelText('Password'), 'pw');
  await userEvent.type(screen.getByRole('textbox', { name: 'From' }), 'scim@contoso.com');
  await userEvent.click(screen.getByRole('button', { name: 'Save relay' }));
  await screen.findByText('Email relay saved');
  expect(calls.find((c) => c.method === 'PUT')?.body).toEqual({
    host: 'smtp.contoso.com',
    port: 465,
    security: 'tls',
    username: 'alerts',
    password: 'pw',
    from: 'scim@contoso.com',
    trustedCertificate: null,
  });
});
