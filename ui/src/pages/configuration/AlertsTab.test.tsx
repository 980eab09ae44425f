import { conditionOf, kinds, recipients } from '../alerts/AlertRules';

test('each kind of rule sends its own numbers', () => {
  const fields = { percent: 20, minutes: 15, hours: 6, days: 7 };
  expect(kinds.map((k) => conditionOf(k.value, fields))).toEqual([
    { kind: 'failureRate', percent: 20, minutes: 15 },
    { kind: 'noTraffic', hours: 6 },
    { kind: 'revokedTokenUsed', minutes: 15 },
    { kind: 'tokenExpiring', days: 7 },
    { kind: 'rotationOverdue', days: 7 },
    { kind: 'deletionsHeld' },
  ]);
});

test('recipients are read from commas, semicolons and spaces', () => {
  expect(recipients(' ops@contoso.com, security@contoso.com;x@y.z  ')).toEqual([
    'ops@contoso.com',
    'security@contoso.com',
    'x@y.z',
  ]);
  expect(recipients('   ')).toEqual([]);
});
