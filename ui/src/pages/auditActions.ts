// The audit log's action codes (`configuration.update`) in words ("Configuration updated").

/** What each kind of object is called. */
const nouns: Record<string, string> = {
  administrator: 'Administrator',
  alert: 'Alert rule',
  configuration: 'Configuration',
  deletionThreshold: 'Deletion threshold',
  deletions: 'Held deletions',
  email: 'Email relay',
  mapping: 'Mapping plan',
  oauthClient: 'OAuth client',
  promotion: 'QA → production pairing',
  target: 'Target',
  token: 'Token',
  users: 'Users',
};

/** Whole phrases where noun + verb would read badly. */
const phrases: Record<string, string> = {
  'administrator.link': 'Sign-in link sent to an administrator',
  'administrator.lock': 'Administrator locked out after failed sign-ins',
  'administrator.password': "Administrator's password or TOTP set",
  'administrator.roles': "Administrator's roles changed",
  'alert.webhookTest': "Alert rule's webhook tested",
  'deletionThreshold.clear': 'Deletion threshold removed',
  'email.settings': 'Email relay changed',
  'email.test': 'Test email sent',
  'promotion.promote': 'Mapping plan promoted from QA to production',
  'promotion.pair': 'QA paired with production',
  'promotion.unpair': 'QA unpaired from production',
  'users.import': 'Users imported',
  'users.rekey': 'User ids converted to emails',
  'users.rekeyUndo': 'Conversion of user ids undone',
};

const verbs: Record<string, string> = {
  add: 'added',
  clear: 'cleared',
  create: 'created',
  delete: 'deleted',
  disable: 'disabled',
  discard: 'discarded',
  enable: 'enabled',
  import: 'imported',
  release: 'released',
  remove: 'removed',
  revoke: 'revoked',
  rollback: 'rolled back',
  rotate: 'rotated',
  save: 'saved',
  set: 'set',
  test: 'tested',
  update: 'updated',
};

/** `camelCase` as lower-case words. */
function words(code: string): string {
  return code.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

/** An action code in words: "Configuration updated", "Token rotated"; unknown codes read as well as they can. */
export function actionLabel(action: string): string {
  if (phrases[action]) return phrases[action];
  const [kind, verb = ''] = action.split('.', 2);
  const noun = nouns[kind] ?? words(kind).replace(/^./, (c) => c.toUpperCase());
  return `${noun} ${verbs[verb] ?? words(verb)}`.trim();
}

/** The action filter's choices: every action of a kind, then each known action. */
export const actionChoices: { value: string; label: string }[] = [
  ...Object.entries(nouns).map(([kind, noun]) => ({ value: `${kind}.`, label: `${noun}: any action` })),
  ...[
    'configuration.create',
    'configuration.update',
    'configuration.delete',
    'token.create',
    'token.rotate',
    'token.revoke',
    'mapping.save',
    'alert.create',
    'alert.update',
    'alert.delete',
    'alert.webhookTest',
    'administrator.create',
    'administrator.roles',
    'administrator.lock',
    'users.import',
    'users.rekey',
    'promotion.promote',
    'deletions.release',
    'deletions.discard',
  ].map((value) => ({ value, label: actionLabel(value) })),
];
