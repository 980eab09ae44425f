import type { Schemas } from '../api/client';
import { render } from '@testing-library/react';
import type { ReactElement } from 'react';
import { MemoryRouter } from 'react-router';
import { newQueryClient, Providers } from '../App';

/** Renders a component inside the app's providers and a router at `path`. */
export function renderWithApp(ui: ReactElement, path = '/') {
  return render(
    <Providers client={newQueryClient()}>
      <MemoryRouter initialEntries={[path]}>{ui}</MemoryRouter>
    </Providers>,
  );
}

type Handler = (request: Request) => Response | Promise<Response>;

/**
 * Answers the UI's fetches from `routes` ("METHOD /path" → handler), recording each request;
 * anything else is a 404 in the admin API's error shape.
 */
/** What the admin token may do: every area, the append-only audit log aside. */
const everything: Schemas['MeView'] = {
  administrator: null,
  via: 'admin token',
  grants: [{ role: 'owner' }],
  areas: (
    [
      'configurations',
      'mapping',
      'directory',
      'logs',
      'alerts',
      'targets',
      'pilotRuns',
      'conformance',
      'tokens',
      'oAuthClients',
      'tokenPolicy',
      'audit',
      'administrators',
      'settings',
    ] as const
  ).map((area) => ({ area, read: true, write: area !== 'audit' })),
};

export function serveApi(routes: Record<string, Handler>) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const fetchStub = async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(new URL(String(input), 'http://console.test'), init);
    const url = new URL(request.url);
    const text = request.method === 'GET' ? '' : await request.clone().text();
    calls.push({ method: request.method, path: url.pathname + url.search, body: text ? JSON.parse(text) : undefined });
    const handler = routes[`${request.method} ${url.pathname}`];
    if (handler) return handler(request);
    // Unless a test says otherwise, the caller may do everything (the admin token).
    if (request.method === 'GET' && url.pathname === '/api/me') return json(everything);
    return json({ error: { status: 404, message: `no route ${url.pathname}` } }, 404);
  };
  globalThis.fetch = fetchStub as typeof fetch;
  return calls;
}

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}
