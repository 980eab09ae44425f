import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration, Schemas } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { CompatibilityPanel } from './CompatibilityPanel';

const rfc: Schemas['Compatibility'] = {
  stringBooleans: true,
  pathlessPatch: true,
  patchWithoutSchemas: true,
  anyCaseOps: true,
  removeListedValues: true,
  createMissingValues: true,
  unknownAttributes: 'preserve',
  placeholderPassword: true,
  acceptPut: true,
  patchAnswer: 'noContentForGroups',
  unquotedFilterStrings: true,
  managerAsString: true,
  looseFilterSyntax: true,
};
const strict: Schemas['Compatibility'] = {
  ...rfc,
  stringBooleans: false,
  pathlessPatch: false,
  patchWithoutSchemas: false,
  anyCaseOps: false,
  removeListedValues: false,
  createMissingValues: false,
  unknownAttributes: 'reject',
  placeholderPassword: false,
  acceptPut: false,
  unquotedFilterStrings: false,
  managerAsString: false,
  looseFilterSyntax: false,
};
const doc = (name: string, title: string, description: string) => ({
  name,
  title,
  description,
  neededBy: `needed by ${name}`,
  rule: `rule of ${name}`,
});
const profiles = {
  profiles: [
    { name: 'rfc', title: 'RFC 7644 (any client)', description: 'Every documented form.', compatibility: rfc },
    {
      name: 'strict',
      title: 'Strict (interoperability profile + IPSIE AL2)',
      description: 'Every rule.',
      compatibility: strict,
    },
  ],
  switches: [
    doc('stringBooleans', 'String booleans', 'On: "True" / "False" strings are read as booleans.'),
    doc('pathlessPatch', 'PATCH without a path', 'On: add/replace whose value object names the attributes.'),
    doc('patchWithoutSchemas', 'PATCH without its schema', 'On: read.'),
    doc('anyCaseOps', 'Operation names in any case', 'On: read.'),
    doc('removeListedValues', 'Member removal with a value list', 'On: only those.'),
    doc('createMissingValues', 'Create missing values', 'On: added.'),
    doc('unknownAttributes', 'Unknown attributes and schema URIs', 'preserve, ignore or reject.'),
    doc('placeholderPassword', 'Placeholder password', 'On: dropped.'),
    doc('acceptPut', 'PUT', 'On: replaces.'),
    doc('patchAnswer', 'PATCH answer', '200 or 204.'),
  ],
};

function configuration(clientProfile: 'rfc' | 'strict', compatibility: Schemas['Compatibility']) {
  return { id: 'c1', name: 'Okta app', clientProfile, compatibility } as unknown as Configuration;
}

test('switches show what they do, overrides are marked, and profile and switches save together', async () => {
  const calls = serveApi({
    'GET /api/client-profiles': () => json(profiles),
    'PATCH /api/configurations/c1': () => json(configuration('rfc', { ...rfc, stringBooleans: false })),
    'GET /api/configurations': () => json([]),
  });
  renderWithApp(<CompatibilityPanel configuration={configuration('rfc', rfc)} />);
  const save = await screen.findByRole('button', { name: 'Save client profile' });
  expect(save).toBeDisabled();
  expect(screen.getByText(/"True" \/ "False" strings are read as booleans/)).toBeInTheDocument();
  expect(screen.getByText(/needed by stringBooleans/)).toBeInTheDocument();
  expect(screen.getByText('interopProfileConformant: not claimed')).toBeInTheDocument();
  await userEvent.click(screen.getByRole('switch', { name: 'String booleans' }));
  expect(screen.getByText('overridden · rfc has on')).toBeInTheDocument();
  expect(save).toBeEnabled();
  await userEvent.click(save);
  expect(await screen.findByText('Client profile saved')).toBeInTheDocument();
  expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({
    clientProfile: 'rfc',
    compatibility: { ...rfc, stringBooleans: false },
  });
});

test('picking strict turns every switch off and shows the conformance claim', async () => {
  const calls = serveApi({
    'GET /api/client-profiles': () => json(profiles),
    'PATCH /api/configurations/c1': () => json(configuration('strict', strict)),
    'GET /api/configurations': () => json([]),
  });
  renderWithApp(<CompatibilityPanel configuration={configuration('rfc', rfc)} />);
  await userEvent.click(await screen.findByRole('combobox', { name: 'Client profile' }));
  await userEvent.click(await screen.findByRole('option', { name: /Strict/, hidden: true }));
  expect(screen.getByRole('switch', { name: 'PATCH without a path' })).not.toBeChecked();
  expect(screen.getByText('interopProfileConformant: true')).toBeInTheDocument();
  expect(screen.getByTestId('profile-description')).toHaveTextContent('Every rule.');
  // Overriding one switch in strict withdraws the claim, and says why.
  await userEvent.click(screen.getByRole('switch', { name: 'PUT' }));
  expect(screen.getByText('interopProfileConformant: not claimed')).toBeInTheDocument();
  expect(screen.getByText(/A switch differs from the strict profile \(acceptPut\)/)).toBeInTheDocument();
  await userEvent.click(screen.getByRole('switch', { name: 'PUT' }));
  await userEvent.click(screen.getByRole('button', { name: 'Save client profile' }));
  await waitFor(() =>
    expect(calls.find((c) => c.method === 'PATCH')?.body).toEqual({ clientProfile: 'strict', compatibility: strict }),
  );
});
