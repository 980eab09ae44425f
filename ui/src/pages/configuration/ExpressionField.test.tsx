import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { json, renderWithApp, serveApi } from '../../test/render';
import { ExpressionField } from './ExpressionField';

function Harness() {
  const [value, setValue] = useState('[value]');
  return <ExpressionField label="rule 1" value={value} onChange={setValue} onRemove={() => setValue('')} />;
}

test('the expression is tried on the test value as it is typed, and functions are inserted from the list', async () => {
  const calls = serveApi({
    'GET /api/mapping/functions': () => json([{ name: 'Split', arguments: 'takes 2 arguments' }]),
    'POST /api/mapping/expression': async (request) => {
      const body = (await request.json()) as { expression: string; value: string };
      return body.expression.includes('Splt')
        ? json({ result: null, error: 'unknown function Splt: did you mean Split?', pointer: 'Splt(\n^^^^' })
        : json({ result: body.value.toUpperCase(), error: null, pointer: null });
    },
  });
  renderWithApp(<Harness />);
  expect(await screen.findByText('→ "EN-US"')).toBeVisible();
  const input = screen.getByRole('textbox', { name: 'Expression of rule 1' });
  await userEvent.clear(input);
  await userEvent.type(input, 'Splt(');
  expect(await screen.findByText(/did you mean Split/)).toBeVisible();
  await userEvent.click(screen.getByRole('button', { name: 'Insert a function in the expression of rule 1' }));
  await userEvent.click(await screen.findByRole('menuitem', { name: /Split/ }));
  await waitFor(() => expect(input).toHaveValue('Splt(Split('));
  expect(calls.some((c) => c.method === 'POST')).toBe(true);
});
