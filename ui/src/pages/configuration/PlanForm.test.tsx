import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState } from 'react';
import { renderWithApp } from '../../test/render';
import { PlanForm, withAllowedValues, withValidators } from './PlanForm';
import { withTransforms } from './RuleList';
import type { Plan } from './planText';

const plan: Plan = {
  format: 1,
  fields: [
    { name: 'userName', type: 'string', validators: [{ kind: 'required' }, { kind: 'length', max: 64 }] },
    { name: 'roles[primary eq true].value', type: 'string', validators: [] },
  ],
  rules: [
    { target: 'userName', source: 'userName', transforms: [{ kind: 'expression', expression: 'Trim([value])' }] },
  ],
  matching: [{ attribute: 'userName', primary: true }],
  scoping: { users: [], groups: [], outOfScope: 'reject' },
  mode: 'enforce',
  unsupported: 'ignore',
};

test('simple transforms are chosen; an expression is kept after them', () => {
  const rule = withTransforms({ target: 'x', transforms: [] }, ['trim', 'lowercase'], 'Item(Split([value], "-"), 1)');
  expect(rule.transforms).toEqual([
    { kind: 'trim' },
    { kind: 'lowercase' },
    { kind: 'expression', expression: 'Item(Split([value], "-"), 1)' },
  ]);
  expect(withTransforms(rule, [], null).transforms).toEqual([]);
});

test('validators with parameters survive choosing the simple ones', () => {
  const field = withValidators({ name: 'userName', validators: [{ kind: 'required' }, { kind: 'length', max: 64 }] }, [
    'unique',
  ]);
  expect(field.validators).toEqual([{ kind: 'unique' }, { kind: 'length', max: 64 }]);
});

test('allowed values become a oneOf validator, and none removes it', () => {
  const field = withAllowedValues({ name: 'role', validators: [{ kind: 'required' }] }, ['Admin', 'Agent']);
  expect(field.validators).toEqual([{ kind: 'required' }, { kind: 'oneOf', values: ['Admin', 'Agent'] }]);
  expect(withAllowedValues(field, []).validators).toEqual([{ kind: 'required' }]);
});

test('editing a rule in the form changes only that rule', async () => {
  let changed: Plan | null = null;
  renderWithApp(<PlanForm plan={plan} onChange={(p) => (changed = p)} />);
  await userEvent.click(screen.getByRole('button', { name: 'Edit rule 1' }));
  fireEvent.change(screen.getByLabelText('Source of rule 1'), { target: { value: 'emails[type eq "work"].value' } });
  expect(changed).not.toBeNull();
  const rules = (changed as unknown as Plan).rules as { source: string; transforms: unknown[] }[];
  expect(rules[0].source).toBe('emails[type eq "work"].value');
  expect(rules[0].transforms).toEqual([{ kind: 'expression', expression: 'Trim([value])' }]);
});

test('a custom field can be marked secret, and unmarked; standard fields cannot', async () => {
  const custom: Plan = {
    ...plan,
    fields: [...(plan.fields as object[]), { name: 'pin', type: 'string', custom: true, validators: [] }],
  };
  const seen: Plan[] = [];
  const first = renderWithApp(<PlanForm plan={custom} onChange={(p) => seen.push(p)} />);
  expect(screen.queryByLabelText('Field 1 holds a secret')).toBeNull();
  await userEvent.click(screen.getByLabelText('Field 3 holds a secret'));
  const marked = (seen[0].fields as { name: string; secret?: boolean }[])[2];
  expect(marked).toMatchObject({ name: 'pin', secret: true });
  first.unmount();
  renderWithApp(<PlanForm plan={seen[0]} onChange={(p) => seen.push(p)} />);
  await userEvent.click(screen.getByLabelText('Field 3 holds a secret'));
  expect((seen[1].fields as { secret?: boolean }[])[2].secret).toBeUndefined();
});

/** The form as the editor holds it: each change becomes the plan shown. */
function Editable({ initial, seen }: { initial: Plan; seen: Plan[] }) {
  const [current, setCurrent] = useState(initial);
  return (
    <PlanForm
      plan={current}
      onChange={(p) => {
        seen.push(p);
        setCurrent(p);
      }}
    />
  );
}

test('adding a rule and a scoping filter', async () => {
  const seen: Plan[] = [];
  renderWithApp(<Editable initial={plan} seen={seen} />);
  await userEvent.click(screen.getByRole('button', { name: 'Add rule' }));
  expect((seen[0].rules as unknown[]).length).toBe(2);
  // The new rule opens in the side pane.
  await screen.findByRole('dialog', { name: /^Edit rule 2/ });
  await userEvent.click(screen.getByRole('button', { name: 'Close the rule' }));
  await userEvent.click(screen.getAllByRole('button', { name: 'Add filter' })[0]);
  expect((seen[1].scoping as { users: unknown[] }).users).toEqual([{ effect: 'include', filter: '' }]);
});

test('the rule list opens a rule in a side pane, which edits it and walks to the next', async () => {
  const two: Plan = {
    ...plan,
    rules: [...(plan.rules as object[]), { target: 'roles[primary eq true].value', source: 'title', transforms: [] }],
  };
  const seen: Plan[] = [];
  renderWithApp(<Editable initial={two} seen={seen} />);
  // The list: target ← source, an expression shown as its text.
  const list = screen.getByRole('table', { name: 'Rules form table' });
  expect(list.textContent).toContain('userName ← userName');
  expect(list.textContent).toContain('Trim([value])');
  await userEvent.click(screen.getByRole('button', { name: 'Edit rule 2' }));
  const pane = await screen.findByRole('dialog', { name: /^Edit rule 2: roles/ });
  await userEvent.click(screen.getByRole('checkbox', { name: 'lowercase' }));
  expect((seen.at(-1)?.rules as { transforms: unknown[] }[])[1].transforms).toEqual([{ kind: 'lowercase' }]);
  await userEvent.click(screen.getByRole('button', { name: '+ Entra expression' }));
  expect((seen.at(-1)?.rules as { transforms: unknown[] }[])[1].transforms).toEqual([
    { kind: 'lowercase' },
    { kind: 'expression', expression: '[value]' },
  ]);
  expect(pane).toBeInTheDocument();
  await userEvent.click(screen.getByRole('button', { name: 'Previous rule' }));
  await screen.findByRole('dialog', { name: /^Edit rule 1: userName/ });
  expect(screen.getByRole('textbox', { name: 'Expression of rule 1' })).toHaveValue('Trim([value])');
  await userEvent.click(screen.getByRole('button', { name: 'Remove rule' }));
  expect((seen.at(-1)?.rules as { target: string }[]).map((r) => r.target)).toEqual(['roles[primary eq true].value']);
  await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
});
