import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration, Token } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { endOf, expiryWarning, graceChoices, rotationWarning, TokensTab } from './TokensTab';

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

test('tokens in use due for rotation within 30 days, or overdue, carry a warning', () => {
  const due = (days: number, state: Token['state'] = 'active') =>
    rotationWarning(token({ state, rotationDue: new Date(now + days * DAY).toISOString() }), now);
  expect(due(5)).toEqual({ text: 'Rotation due in 5 days', overdue: false });
  expect(due(45)).toBeNull();
  expect(due(-2)).toEqual({ text: 'Rotation overdue', overdue: true });
  // A token being replaced, or gone, asks nothing more.
  expect(due(-2, 'grace')).toBeNull();
  expect(due(-2, 'revoked')).toBeNull();
  expect(rotationWarning(token({}), now)).toBeNull();
});

test('overdue tokens are counted above the list, with the policy', async () => {
  serveApi({
    'GET /api/configurations/c1/tokens': () =>
      json([
        token({ rotationDue: '2020-01-01T00:00:00Z' }),
        token({ id: 't2', rotationDue: '2020-02-01T00:00:00Z' }),
        token({ id: 't3', rotationDue: '2999-01-01T00:00:00Z' }),
      ]),
    'GET /api/configurations/c1/oauth-clients': () => json([]),
  });
  renderWithApp(
    <TokensTab configuration={{ id: 'c1', tokenPolicy: { rotationDays: 365 } } as unknown as Configuration} />,
  );
  expect(
    await screen.findByText(/2 tokens are older than the token policy allows \(rotation every 365 days\)/),
  ).toBeVisible();
  expect(screen.getAllByText('Rotation overdue', { selector: '.mantine-Badge-label' })).toHaveLength(2);
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

test("a rotation's grace window starts at the policy's", () => {
  expect(graceChoices(null).initial).toBe('86400');
  const day = graceChoices(24);
  expect(day.initial).toBe('86400');
  expect(day.data.find((d) => d.value === '86400')?.label).toBe("24 hours (the token policy's)");
  const odd = graceChoices(48);
  expect(odd.initial).toBe('172800');
  expect(odd.data[0]).toEqual({ value: '172800', label: "48 hours (the token policy's)" });
});

test('a token in its grace window says when the grace ends, and rotations are linked', async () => {
  expect(endOf(token({ state: 'grace', revoked: '2026-12-08T12:00:00Z', expires: null }))).toMatch(/^grace ends /);
  expect(endOf(token({ expires: null }))).toBe('never');
  serveApi({
    'GET /api/configurations/c1/tokens': () =>
      json([
        token({
          id: 'old',
          prefix: 'scim_old00000',
          state: 'grace',
          revoked: '2026-12-08T12:00:00Z',
          rotatedTo: 'new',
        }),
        token({ id: 'new', prefix: 'scim_new00000' }),
        token({ id: 'tmp', prefix: 'scim_tmp00000', label: 'pilot run (revoked when it ends)', temporary: true }),
      ]),
    'GET /api/configurations/c1/oauth-clients': () => json([]),
  });
  renderWithApp(<TokensTab configuration={{ id: 'c1' } as Configuration} />);
  expect(await screen.findByText('replaced by scim_new00000…')).toBeVisible();
  expect(screen.getByText('replaces scim_old00000…')).toBeVisible();
  expect(screen.getByText(/^grace ends /)).toBeVisible();
  // The temporary token of a pilot run is hidden until asked for.
  expect(screen.queryByText('scim_tmp00000…')).toBeNull();
  await userEvent.click(screen.getByRole('switch', { name: /Show the 1 temporary token/ }));
  expect(screen.getByText('scim_tmp00000…')).toBeVisible();
});
