import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithApp } from '../../test/render';
import type { Connection } from '../../native';
import { ConnectionsPage } from './ConnectionsPage';

const FP = Array.from({ length: 32 }, () => 'AB').join(':');
const NEW_FP = Array.from({ length: 32 }, () => 'CD').join(':');
const colours = ['#c92a2a', '#d9480f', '#2b8a3e', '#1864ab', '#5f3dc4', '#495057'];

/** The shell's commands, answered by `handlers`; every call recorded. */
function shell(handlers: Record<string, (args: Record<string, unknown>) => unknown>) {
  const calls: { cmd: string; args: Record<string, unknown> }[] = [];
  (window as unknown as { __TAURI__: unknown }).__TAURI__ = {
    core: {
      invoke: async (cmd: string, args: Record<string, unknown> = {}) => {
        calls.push({ cmd, args });
        const handler = handlers[cmd];
        if (!handler) throw { message: `no command ${cmd}`, field: null, presented: null, pinned: null };
        return handler(args);
      },
    },
  };
  return calls;
}

afterEach(() => {
  delete (window as unknown as { __TAURI__?: unknown }).__TAURI__;
});

test('a console with a self-signed certificate is added once its fingerprint is confirmed, with each colour offered', async () => {
  const list: Connection[] = [];
  const calls = shell({
    connections_list: () => ({ connections: [...list], colours }),
    connection_probe: () => ({ version: '0.1.0', certificate: { fingerprint: FP, systemTrusted: false } }),
    connection_add: ({ connection }) => {
      const c = connection as { name: string; colour: string; url: string; token: string; fingerprint?: string };
      if (c.token !== 'scap_good')
        throw { message: 'refused the API token', field: 'token', presented: null, pinned: null };
      const added: Connection = {
        id: 'con_1',
        name: c.name,
        colour: c.colour,
        url: c.url,
        trust: { pinned: c.fingerprint ?? '' },
        signedInAs: 'ops@contoso.com',
      };
      list.push(added);
      return added;
    },
  });
  renderWithApp(<ConnectionsPage />, '/connections');
  await screen.findByText('No connection yet');
  await userEvent.type(screen.getByRole('textbox', { name: /Address/ }), 'https://scim.contoso.com:8443');
  await userEvent.click(screen.getByRole('button', { name: 'Check the console' }));
  expect(await screen.findByTestId('presented-fingerprint')).toHaveTextContent(FP);
  // Nothing more is asked until the admin says the fingerprints match.
  expect(screen.queryByLabelText(/API token/)).toBeNull();
  await userEvent.click(screen.getByRole('checkbox', { name: /I compared it/ }));
  const radios = within(screen.getByRole('radiogroup', { name: /Colour/ })).getAllByRole('radio');
  expect(radios.map((r) => r.getAttribute('value'))).toEqual(colours);
  for (const name of ['Red', 'Orange', 'Green', 'Blue', 'Violet', 'Grey']) {
    await userEvent.click(screen.getByRole('radio', { name }));
    expect(screen.getByRole('radio', { name })).toBeChecked();
  }
  await userEvent.click(screen.getByRole('radio', { name: 'Red' }));
  await userEvent.type(screen.getByRole('textbox', { name: /Name/ }), 'Production');
  await userEvent.type(screen.getByLabelText(/API token/), 'scap_bad');
  await userEvent.click(screen.getByRole('button', { name: 'Add connection' }));
  expect(await screen.findByText('refused the API token')).toBeInTheDocument();
  await userEvent.clear(screen.getByLabelText(/API token/));
  await userEvent.type(screen.getByLabelText(/API token/), 'scap_good');
  await userEvent.click(screen.getByRole('button', { name: 'Add connection' }));
  const row = await screen.findByRole('row', { name: /Production/ });
  expect(row).toHaveTextContent('Pinned AB:AB:AB…AB:AB');
  expect(within(row).getByTestId('pinned')).toHaveAttribute('title', FP);
  expect(row).toHaveTextContent('ops@contoso.com');
  const added = calls.filter((c) => c.cmd === 'connection_add').at(-1)?.args.connection;
  expect(added).toEqual({
    name: 'Production',
    colour: '#c92a2a',
    url: 'https://scim.contoso.com:8443',
    token: 'scap_good',
    fingerprint: FP,
  });
});

test('a trusted certificate needs no confirmation', async () => {
  shell({
    connections_list: () => ({ connections: [], colours }),
    connection_probe: () => ({ version: '0.1.0', certificate: { fingerprint: FP, systemTrusted: true } }),
  });
  renderWithApp(<ConnectionsPage />, '/connections');
  await userEvent.type(await screen.findByRole('textbox', { name: /Address/ }), 'https://scim.contoso.com');
  await userEvent.click(screen.getByRole('button', { name: 'Check the console' }));
  await screen.findByText('Its certificate is trusted by this computer.');
  expect(screen.getByLabelText(/API token/)).toBeInTheDocument();
  expect(screen.queryByTestId('presented-fingerprint')).toBeNull();
});

test('a connection whose certificate changed is refused until the new one is trusted', async () => {
  const production: Connection = {
    id: 'con_1',
    name: 'Production',
    colour: '#c92a2a',
    url: 'https://scim.contoso.com',
    trust: { pinned: FP },
    signedInAs: 'ops@contoso.com',
  };
  let pinned = FP;
  const calls = shell({
    connections_list: () => ({ connections: [production], colours }),
    connection_open: () => {
      if (pinned !== NEW_FP) throw { message: 'the certificate changed', field: null, presented: NEW_FP, pinned: FP };
    },
    connection_trust: ({ fingerprint }) => {
      pinned = fingerprint as string;
      return { ...production, trust: { pinned } };
    },
  });
  renderWithApp(<ConnectionsPage />, '/connections');
  await userEvent.click(await screen.findByRole('button', { name: 'Open Production' }));
  expect(await screen.findByTestId('changed-fingerprint')).toHaveTextContent(NEW_FP);
  expect(screen.getByTestId('pinned-fingerprint')).toHaveTextContent(FP);
  const trust = screen.getByRole('button', { name: 'Trust the new certificate and open' });
  expect(trust).toBeDisabled();
  await userEvent.click(screen.getByRole('checkbox', { name: /I compared it/ }));
  await userEvent.click(trust);
  await waitFor(() => expect(calls.filter((c) => c.cmd === 'connection_open')).toHaveLength(2));
  expect(calls.find((c) => c.cmd === 'connection_trust')?.args).toEqual({ id: 'con_1', fingerprint: NEW_FP });
  await waitFor(() => expect(screen.queryByTestId('changed-fingerprint')).toBeNull());
});

test('in a browser the page says connections belong to the desktop app', async () => {
  renderWithApp(<ConnectionsPage />, '/connections');
  expect(await screen.findByText('Connections are kept by the desktop app')).toBeInTheDocument();
});

test('a console with an identity provider offers both ways to sign in; the browser way waits for the browser, and may be cancelled', async () => {
  const list: Connection[] = [];
  let comeBack: ((c: Connection) => void) | null = null;
  let cancel: ((e: unknown) => void) | null = null;
  const calls = shell({
    connections_list: () => ({ connections: [...list], colours }),
    connection_probe: () => ({ version: '0.1.0', certificate: null, provider: 'Contoso SSO' }),
    connection_sign_in_start: () => ({
      url: 'https://scim.contoso.com/api/sign-in/oidc/desktop?state=s',
      opened: false,
    }),
    connection_sign_in_finish: () =>
      new Promise((resolve, reject) => {
        comeBack = resolve;
        cancel = reject;
      }),
    connection_sign_in_cancel: () => {
      cancel?.({ message: 'the sign-in was cancelled', field: null, presented: null, pinned: null });
    },
  });
  renderWithApp(<ConnectionsPage />, '/connections');
  await userEvent.type(await screen.findByRole('textbox', { name: /Address/ }), 'http://127.0.0.1:8444');
  await userEvent.click(screen.getByRole('button', { name: 'Check the console' }));
  await userEvent.type(await screen.findByRole('textbox', { name: /Name/ }), 'QA');
  // Both ways are offered; the token way asks for the token, the browser way does not.
  await userEvent.click(screen.getByRole('radio', { name: 'With a personal API token' }));
  expect(screen.getByLabelText(/^API token/)).toBeInTheDocument();
  expect(screen.queryByRole('button', { name: 'Sign in with Contoso SSO' })).toBeNull();
  await userEvent.click(screen.getByRole('radio', { name: 'With Contoso SSO, in the browser' }));
  expect(screen.queryByLabelText(/^API token/)).toBeNull();
  // Started, then cancelled: the page says so and offers the sign-in again.
  await userEvent.click(screen.getByRole('button', { name: 'Sign in with Contoso SSO' }));
  expect(await screen.findByTestId('sign-in-address')).toHaveTextContent('/api/sign-in/oidc/desktop?state=s');
  expect(screen.getByText('No browser could be opened here: open this address in one.')).toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Cancel the sign-in' }));
  expect(await screen.findByText('the sign-in was cancelled')).toBeInTheDocument();
  expect(screen.queryByTestId('sign-in-address')).toBeNull();
  // Started again, and the browser comes back: the connection is listed.
  await userEvent.click(screen.getByRole('button', { name: 'Sign in with Contoso SSO' }));
  await screen.findByTestId('sign-in-address');
  const qa: Connection = {
    id: 'con_2',
    name: 'QA',
    colour: colours[0],
    url: 'http://127.0.0.1:8444/',
    trust: 'system',
    signedInAs: 'ada@contoso.com',
  };
  list.push(qa);
  (comeBack as unknown as (c: Connection) => void)(qa);
  const row = await screen.findByRole('row', { name: /QA/ });
  expect(row).toHaveTextContent('ada@contoso.com');
  const started = calls.filter((c) => c.cmd === 'connection_sign_in_start');
  expect(started).toHaveLength(2);
  expect(started[0].args.connection).toEqual({ name: 'QA', colour: colours[0], url: 'http://127.0.0.1:8444' });
  expect(calls.some((c) => c.cmd === 'connection_add')).toBe(false);
});

test('a connection whose token was refused signs in again, in the browser or with a new token', async () => {
  const qa: Connection = {
    id: 'con_3',
    name: 'QA',
    colour: colours[2],
    url: 'https://qa.contoso.com/',
    trust: 'system',
    signedInAs: 'ada@contoso.com',
  };
  let valid = false;
  const calls = shell({
    connections_list: () => ({ connections: [qa], colours }),
    connection_open: () => {
      if (!valid) throw { message: 'refused the API token: it expired', field: 'token', presented: null, pinned: null };
    },
    connection_probe: () => ({ version: '0.1.0', certificate: null, provider: 'Contoso SSO' }),
    connection_sign_in_again_start: () => ({
      url: 'https://qa.contoso.com/api/sign-in/oidc/desktop?state=t',
      opened: true,
    }),
    connection_sign_in_finish: () => {
      valid = true;
      return qa;
    },
    connection_set_token: ({ token }) => {
      if (token !== 'scap_new')
        throw { message: 'refused the API token', field: 'token', presented: null, pinned: null };
      valid = true;
      return qa;
    },
  });
  renderWithApp(<ConnectionsPage />, '/connections');
  await userEvent.click(await screen.findByRole('button', { name: 'Open QA' }));
  expect(await screen.findByText('refused the API token: it expired')).toBeInTheDocument();
  // In the browser: the connection's own sign-in, then it opens.
  await userEvent.click(await screen.findByRole('button', { name: 'Sign in again with Contoso SSO' }));
  await waitFor(() => expect(calls.filter((c) => c.cmd === 'connection_open')).toHaveLength(2));
  expect(calls.find((c) => c.cmd === 'connection_sign_in_again_start')?.args).toEqual({ id: 'con_3' });
  await waitFor(() => expect(screen.queryByTestId('sign-in-again')).toBeNull());
  // With a new token: a wrong one is refused, saying so; the right one opens it.
  valid = false;
  await userEvent.click(screen.getByRole('button', { name: 'Open QA' }));
  await userEvent.type(await screen.findByLabelText(/^New API token/), 'scap_old');
  await userEvent.click(screen.getByRole('button', { name: 'Save the new token' }));
  expect(await screen.findByText('refused the API token')).toBeInTheDocument();
  await userEvent.clear(screen.getByLabelText(/^New API token/));
  await userEvent.type(screen.getByLabelText(/^New API token/), 'scap_new');
  await userEvent.click(screen.getByRole('button', { name: 'Save the new token' }));
  await waitFor(() => expect(calls.filter((c) => c.cmd === 'connection_open')).toHaveLength(4));
  expect(calls.find((c) => c.cmd === 'connection_set_token' && c.args.token === 'scap_new')?.args).toEqual({
    id: 'con_3',
    token: 'scap_new',
  });
  await waitFor(() => expect(screen.queryByTestId('sign-in-again')).toBeNull());
});
