import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithApp } from '../test/render';
import { StartAtLogin } from './SettingsPage';

afterEach(() => {
  delete (window as unknown as { __TAURI__?: unknown }).__TAURI__;
});

test('start at login is read from the shell and turned on and off there', async () => {
  let on = false;
  const asked: unknown[] = [];
  (window as unknown as { __TAURI__: unknown }).__TAURI__ = {
    core: {
      invoke: async (cmd: string, args?: { on: boolean }) => {
        asked.push([cmd, args]);
        if (cmd === 'set_start_at_login') on = args?.on ?? false;
        return on;
      },
    },
  };
  renderWithApp(<StartAtLogin />);
  const toggle = await screen.findByRole('switch', { name: /Start SCIM Console when I sign in/ });
  await waitFor(() => expect(toggle).toBeEnabled());
  expect(toggle).not.toBeChecked();
  await userEvent.click(toggle);
  await waitFor(() => expect(toggle).toBeChecked());
  await userEvent.click(toggle);
  await waitFor(() => expect(toggle).not.toBeChecked());
  expect(asked).toEqual([
    ['start_at_login', undefined],
    ['set_start_at_login', { on: true }],
    ['set_start_at_login', { on: false }],
  ]);
});
