import { fireEvent, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { renderWithApp } from '../../test/render';
import { PlanForm, withAllowedValues, withTransforms, withValidators } from './PlanForm';
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

test('adding a rule and a scoping filter', async () => {
  const seen: Plan[] = [];
  renderWithApp(<PlanForm plan={plan} onChange={(p) => seen.push(p)} />);
  await userEvent.click(screen.getByRole('button', { name: 'Add rule' }));
  expect((seen[0].rules as unknown[]).length).toBe(2);
  await userEvent.click(screen.getAllByRole('button', { name: 'Add filter' })[0]);
  expect((seen[1].scoping as { users: unknown[] }).users).toEqual([{ effect: 'include', filter: '' }]);
});
