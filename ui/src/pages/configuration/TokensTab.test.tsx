import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration, Token } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { expiryWarning, TokensTab } from './TokensTab';

const DAY = 86_400_000;
const now = Date.parse('2026-11-30T12:00:00Z');
const token = (over: Partial<Token>): Token =>
  ({
    id: 't1',
    label: 'Entra',
    prefix: 'scim_ab12cd34',
    state: 'active',
    created: '2026-01-01T00:00:00Z',
    createdBy: 'admin',
    expires: null,
    lastUsed: null,
    lastUsedFrom: null,
    ...over,
  }) as Token;

test('tokens ending within 14 days carry a warning', () => {
  expect(expiryWarning(token({ expires: new Date(now + 5 * DAY).toISOString() }), now)).toBe('Expires in 5 days');
  expect(expiryWarning(token({ expires: new Date(now + 30 * DAY).toISOString() }), now)).toBeNull();
  expect(expiryWarning(token({ expires: new Date(now - DAY).toISOString() }), now)).toBe('Expired');
  expect(expiryWarning(token({ state: 'revoked', expires: new Date(now - DAY).toISOString() }), now)).toBeNull();
});

test('rotating with a grace window sends it and shows the new token once', async () => {
  const calls = serveApi({
    'GET /api/configurations/c1/tokens': () => json([token({})]),
    'GET /api/configurations/c1/oauth-clients': () => json([]),
    'POST /api/configurations/c1/tokens/t1/rotate': () =>
      json({
        old: token({ state: 'grace' }),
        new: { ...token({ id: 't2' }), token: 'scim_new_secret', scimBaseUrl: 'u' },
      }),
  });
  renderWithApp(<TokensTab configuration={{ id: 'c1' } as Configuration} />);
  await userEvent.click(await screen.findByRole('button', { name: 'Rotate' }));
  const dialog = await screen.findByRole('dialog');
  await userEvent.selectOptions(within(dialog).getByLabelText('Grace window'), '24 hours');
  await userEvent.click(within(dialog).getByRole('button', { name: 'Rotate' }));
  expect(await screen.findByTestId('issued-token')).toHaveTextContent('scim_new_secret');
  expect(calls.find((c) => c.method === 'POST')?.body).toEqual({ graceSeconds: 86400 });
});
