import { actionChoices, actionLabel } from './auditActions';

test('action codes read as sentences', () => {
  expect(actionLabel('configuration.update')).toBe('Configuration updated');
  expect(actionLabel('token.rotate')).toBe('Token rotated');
  expect(actionLabel('alert.webhookTest')).toBe("Alert rule's webhook tested");
  expect(actionLabel('deletionThreshold.set')).toBe('Deletion threshold set');
  // An action this UI does not know yet still reads.
  expect(actionLabel('oauthClient.rotateSecret')).toBe('OAuth client rotate secret');
  expect(actionLabel('backup.create')).toBe('Backup created');
});

test('the filter offers each kind and each known action, once', () => {
  const values = actionChoices.map((c) => c.value);
  expect(new Set(values).size).toBe(values.length);
  expect(values).toContain('token.');
  expect(actionChoices.find((c) => c.value === 'token.')?.label).toBe('Token: any action');
});
