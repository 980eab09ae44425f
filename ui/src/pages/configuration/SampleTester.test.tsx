import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Configuration } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { SampleTester } from './SampleTester';

test('a trial shows each transform with its value before and after, and failures first with their count', async () => {
  serveApi({
    'POST /api/configurations/c1/mapping/test': () =>
      json({
        passed: false,
        inScope: true,
        errors: [],
        notes: [],
        unsupported: [],
        operation: 'create',
        fields: [
          { field: 'userName', value: 'ada@contoso.example', verdicts: [{ validator: 'required', passed: true }] },
          {
            field: 'preferredLanguage',
            value: 'kl',
            read: 'klingon',
            steps: [{ transform: 'Left([value], 2)', before: 'klingon', after: 'kl' }],
            verdicts: [{ validator: 'oneOf', passed: false, message: '"kl" is not one of en, fr' }],
          },
        ],
      }),
  });
  renderWithApp(<SampleTester configuration={{ id: 'c1' } as Configuration} plan={null} />);
  await userEvent.click(screen.getByRole('button', { name: 'Test sample' }));
  expect(await screen.findByTestId('sample-errors')).toHaveTextContent('1 error, shown first');
  const rows = within(screen.getByRole('table', { name: 'Field results' })).getAllByRole('row');
  // The header, then the failed field, then the others.
  expect(rows[1]).toHaveTextContent('preferredLanguage');
  expect(within(rows[1]).getByTestId('transform-steps')).toHaveTextContent('read "klingon"');
  expect(within(rows[1]).getByTestId('transform-steps')).toHaveTextContent('Left([value], 2): "klingon" → "kl"');
  expect(rows[1]).toHaveTextContent('"kl" is not one of en, fr');
  expect(rows[2]).toHaveTextContent('userName');
});
