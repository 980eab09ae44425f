import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Schemas } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { PilotPage, pilotBody } from './PilotPage';

test('the form becomes the run request', () => {
  expect(
    pilotBody({
      configurationId: 'c1',
      behaveAs: '',
      sourceKind: 'csv',
      content: 'login\nada',
      sourceConfiguration: '',
      target: 'remote:tgt_1',
      dryRun: true,
      concurrency: 4,
      rate: 20,
    }),
  ).toEqual({
    configurationId: 'c1',
    behaveAs: null,
    source: { kind: 'csv', content: 'login\nada' },
    target: { kind: 'remote', target: 'tgt_1' },
    dryRun: true,
    concurrency: 4,
    rate: 20,
  });
  expect(
    pilotBody({
      configurationId: 'c1',
      behaveAs: 'okta',
      sourceKind: 'configuration',
      content: '',
      sourceConfiguration: 'c2',
      target: 'config:c3',
      dryRun: false,
      concurrency: 1,
      rate: 0,
    }),
  ).toMatchObject({
    behaveAs: 'okta',
    source: { kind: 'configuration', configurationId: 'c2' },
    target: { kind: 'configuration', configurationId: 'c3' },
  });
});

const users: Schemas['PilotUserResult'][] = [
  {
    row: 2,
    userName: 'ada@contoso.com',
    action: 'created',
    detail: 'created',
    attributes: [],
    id: '1',
    status: 201,
    requests: 2,
  },
  {
    row: 3,
    userName: 'bad',
    action: 'failed',
    detail: 'the target refused the create: HTTP 400 (invalidValue)',
    attributes: [],
    id: null,
    status: 400,
    requests: 2,
    steps: [
      { step: 'import', status: 'done', summary: 'read row 3' },
      { step: 'action', status: 'done', summary: 'create: POST /Users' },
      { step: 'result', status: 'failed', summary: 'the target refused the create' },
    ],
  },
];
const counts = { created: 1, updated: 0, unchanged: 0, skipped: 0, failed: 1, wouldCreate: 0, wouldUpdate: 0 };
const runView = (state: 'running' | 'finished'): Schemas['PilotRunView'] => ({
  id: 'run_1',
  configurationId: 'c1',
  target: 'Staging app',
  dryRun: false,
  started: '2026-11-30T08:00:00Z',
  state,
  progress: { total: 2, done: state === 'running' ? 1 : 2, counts },
  report:
    state === 'finished'
      ? {
          target: 'Staging app',
          baseUrl: 'https://staging.example.com/scim/v2',
          behavedAs: 'entra',
          dryRun: false,
          started: '2026-11-30T08:00:00Z',
          finished: '2026-11-30T08:00:01Z',
          counts,
          stopped: null,
          users,
        }
      : null,
});

test('a run is started, followed, and reported user by user', async () => {
  let polls = 0;
  const calls = serveApi({
    'GET /api/configurations': () => json([{ id: 'c1', name: 'Pilot' }]),
    'GET /api/targets': () =>
      json([{ id: 'tgt_1', name: 'Staging app', baseUrl: 'u', auth: { kind: 'bearer' }, secretStore: 'keychain' }]),
    'GET /api/pilot-runs': () => json([]),
    'POST /api/pilot-runs': () => json(runView('running'), 202),
    'GET /api/pilot-runs/run_1': () => {
      polls += 1;
      return json(runView(polls > 1 ? 'finished' : 'running'));
    },
    'POST /api/pilot-runs/run_1/retry': () => json({ ...runView('running'), id: 'run_2' }, 202),
    'GET /api/pilot-runs/run_2': () => json({ ...runView('running'), id: 'run_2' }),
  });
  renderWithApp(<PilotPage />);
  // The first (only) choice of each select, as a keyboard user picks it.
  const plan = await screen.findByLabelText(/Mapping plan of/, { selector: 'input' });
  await userEvent.click(plan);
  await userEvent.keyboard('{ArrowDown}{Enter}');
  expect(plan).toHaveValue('Pilot');
  await userEvent.type(screen.getByLabelText('CSV users'), 'login{enter}ada@contoso.com{enter}bad');
  const target = screen.getByLabelText(/^Target/, { selector: 'input' });
  await userEvent.click(target);
  await userEvent.keyboard('{ArrowDown}{Enter}');
  expect(target).toHaveValue('Staging app');
  await userEvent.click(screen.getByLabelText(/Dry run/));
  await userEvent.click(screen.getByRole('button', { name: 'Start run' }));
  expect(await screen.findByTestId('pilot-state', {}, { timeout: 3000 })).toHaveTextContent('1 failed');
  const report = screen.getByRole('table', { name: 'Pilot run report' });
  expect(within(report).getByText(/HTTP 400 \(invalidValue\)/)).toBeInTheDocument();
  await userEvent.click(screen.getByText('failed (1)'));
  expect(within(report).queryByText('ada@contoso.com')).not.toBeInTheDocument();
  const posted = calls.find((c) => c.method === 'POST')?.body as Schemas['PilotBody'];
  expect(posted.dryRun).toBe(false);
  expect(posted.source).toEqual({ kind: 'csv', content: 'login\nada@contoso.com\nbad' });
  expect(posted.target).toEqual({ kind: 'remote', target: 'tgt_1' });
  // The failed user says where it stopped; it is chosen and run again as a new run.
  expect(within(report).getByText(/^Result:/)).toBeInTheDocument();
  await userEvent.click(within(report).getByRole('checkbox', { name: 'Choose row 3' }));
  await userEvent.click(screen.getByRole('button', { name: 'Retry the 1 chosen' }));
  await waitFor(() => expect(calls.some((c) => c.path === '/api/pilot-runs/run_2')).toBe(true));
  expect(calls.find((c) => c.path === '/api/pilot-runs/run_1/retry')?.body).toEqual({ rows: [3] });
});
