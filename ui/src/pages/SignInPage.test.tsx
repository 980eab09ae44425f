import { screen, waitFor } from '@testing-library/react';
import { renderWithApp } from '../test/render';
import { LinkSignInPage, linkCode } from './SignInPage';

test('the code is read from the fragment only', () => {
  expect(linkCode('#code=abc-DEF_123')).toBe('abc-DEF_123');
  expect(linkCode('')).toBeNull();
  expect(linkCode('#other=1')).toBeNull();
});

test('a refused link says why, and the code leaves the address bar', async () => {
  window.history.replaceState(null, '', '/sign-in#code=used-code');
  const calls: { url: string; body: string }[] = [];
  const original = globalThis.fetch;
  globalThis.fetch = (async (url: string, init: RequestInit) => {
    calls.push({ url, body: String(init.body) });
    return new Response(
      JSON.stringify({ error: { status: 401, message: 'this sign-in link is not valid: it was used already' } }),
      {
        status: 401,
        headers: { 'Content-Type': 'application/json' },
      },
    );
  }) as typeof fetch;
  try {
    renderWithApp(<LinkSignInPage />);
    await screen.findByText(/it was used already/);
    expect(calls).toEqual([{ url: '/api/sign-in/link', body: JSON.stringify({ code: 'used-code' }) }]);
    await waitFor(() => expect(window.location.hash).toBe(''));
    expect(window.location.pathname).toBe('/sign-in');
  } finally {
    globalThis.fetch = original;
  }
});
