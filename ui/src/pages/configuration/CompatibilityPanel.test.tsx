import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { CompatibilityPanel } from './CompatibilityPanel';

const compatibility = {
  stringBooleans: true,
  pathlessPatch: true,
  patchWithoutSchemas: true,
  createMissingValues: true,
  unknownAttributes: 'preserve' as const,
};

test('switches show what they do, and save all together', async () => {
  const configuration = { id: 'c1', name: 'Okta app', compatibility } as Configuration;
  const calls = serveApi({
    'PATCH /api/configurations/c1': () =>
      json({ ...configuration, compatibility: { ...compatibility, stringBooleans: false } }),
    'GET /api/configurations': () => json([]),
  });
  renderWithApp(<CompatibilityPanel configuration={configuration} />);
  const save = screen.getByRole('button', { name: 'Save compatibility' });
  expect(save).toBeDisabled();
  expect(screen.getByText(/Entra ID disables a user with "active": "False"/)).toBeInTheDocument();
  await userEvent.click(screen.getByRole('switch', { name: /String booleans/ }));
  expect(save).toBeEnabled();
  await userEvent.click(save);
  expect(await screen.findByText('Compatibility saved')).toBeInTheDocument();
  expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
    compatibility: { ...compatibility, stringBooleans: false },
  });
});
