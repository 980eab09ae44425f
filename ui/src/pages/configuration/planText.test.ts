import type { Schemas } from '../../api/client';
import { jsonErrorOffset, parsePlan, planRows, planText, rowOf, whereIs, type ApiPlan } from './planText';

test('a JSON error names its line and column', () => {
  const parsed = parsePlan('{\n  "fields": [,]\n}');
  expect(parsed.plan).toBeNull();
  expect(parsed.error).toMatch(/line 2, column 14/);
});

test('the error offset is found whatever the engine says', () => {
  expect(jsonErrorOffset('{"a": 1}')).toBe(8);
  expect(jsonErrorOffset('{"a": 1,}')).toBe(8);
  expect(jsonErrorOffset('{"a": tru}')).toBe(9);
  expect(jsonErrorOffset('{"a": [1, 2')).toBe(11);
  expect(jsonErrorOffset('{"a": "x\u0001"}')).toBe(8);
});

test('a plan must be an object', () => {
  expect(parsePlan('[1]').error).toMatch(/JSON object/);
  expect(parsePlan('  ').error).toMatch(/empty/);
});

test('rules and fields become table rows', () => {
  const parsed = parsePlan(
    JSON.stringify({
      fields: [{ name: 'userName', type: 'string', validators: [{ kind: 'required' }, { kind: 'unique' }] }],
      rules: [{ target: 'userName', source: 'userName', transforms: [{ kind: 'lowercase' }], apply: 'always' }],
    }),
  );
  expect(parsed.plan).not.toBeNull();
  const rows = planRows(parsed.plan ?? {});
  expect(rows.fields[0]).toEqual({ name: 'userName', type: 'string', validators: 'required, unique' });
  expect(rows.rules[0].transforms).toBe('lowercase');
});

test('findings are placed as the editor numbers rows, from 1', () => {
  expect(whereIs('/rules/7/transforms/0/expression')).toBe('rule 8, transform 1, expression');
  expect(whereIs('/fields/2/validators/1')).toBe('field 3, validator 2');
  expect(whereIs('')).toBe('the plan');
  expect(whereIs('/scoping/users/0/filter')).toBe('users filter 1, filter');
  expect(whereIs('/mode')).toBe('mode');
  expect(rowOf('/rules/7/transforms/0')).toBe('rules/7');
  expect(rowOf('/fields/0/name')).toBe('fields/0');
  expect(rowOf('/matching/0')).toBeNull();
});

test('a provider side is not a plan: loading one as a plan does not type-check', () => {
  const side: Schemas['ProviderSide'] = { provider: 'entra', mappings: [] };
  // @ts-expect-error the provider side's `provider` is a name, a plan's is a provider side
  const asPlan: ApiPlan = side;
  const plan: ApiPlan = { provider: side };
  expect(planText(plan)).toContain('"entra"');
  expect(asPlan).toBe(side);
});
