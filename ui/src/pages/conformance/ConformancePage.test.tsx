import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import type { Schemas } from '../../api/client';
import { json, renderWithApp, serveApi } from '../../test/render';
import { ConformancePage, conformanceBody, tally, verdict } from './ConformancePage';

type Result = Schemas['CheckResult'];

const result = (id: string, outcome: Result['outcome'], why: string | null = null): Result => ({
  id,
  title: `${id} title`,
  source: 'SCIM interop profile §6.3',
  level: 'MUST',
  writes: false,
  outcome,
  why,
  millis: 3,
  exchanges: [
    {
      method: 'GET',
      path: '/Users?filter=noSuchAttribute%20eq%20%22x%22',
      requestHeaders: [{ name: 'Authorization', value: 'Bearer ***' }],
      requestBody: null,
      status: 200,
      responseHeaders: [{ name: 'content-type', value: 'application/scim+json' }],
      responseBody: '{"totalResults":0}',
      error: null,
      millis: 2,
    },
  ],
});

test('the form becomes the run request and results are tallied', () => {
  expect(conformanceBody({ target: 'config:c1', profile: '', allowWrites: true, rate: 10 })).toEqual({
    target: { kind: 'configuration', configurationId: 'c1' },
    profile: null,
    allowWrites: true,
    rate: 10,
  });
  expect(conformanceBody({ target: 'remote:tgt_1', profile: 'okta', allowWrites: false, rate: 2 }).target).toEqual({
    kind: 'remote',
    target: 'tgt_1',
  });
  expect(tally([result('a', 'pass'), result('b', 'fail'), result('c', 'skip')])).toEqual({
    pass: 1,
    fail: 1,
    skip: 1,
    failedMusts: 1,
    musts: 3,
    skippedMusts: 1,
  });
  expect(verdict(tally([result('a', 'pass'), result('b', 'fail'), result('c', 'skip')])).text).toBe('1 MUST failed');
  // Skipped MUSTs never read as "every MUST passed".
  expect(verdict(tally([result('a', 'pass'), result('c', 'skip', 'run with writes allowed')]))).toEqual({
    text: 'incomplete: 1 of 2 MUSTs checked, none failed',
    color: 'yellow',
  });
  expect(verdict(tally([result('a', 'pass')])).text).toBe('every MUST passed (1 of 1 checked)');
});

test('a run is started, followed live, and its failures explained with their requests', async () => {
  let polls = 0;
  const results = [
    result('discovery-endpoints', 'pass'),
    result('unknown-filter-attribute-400', 'fail', 'it answered 200'),
  ];
  const view = (finished: boolean): Schemas['ConformanceRunView'] => ({
    id: 'check_1',
    target: 'configuration Strict',
    profile: 'strict',
    allowWrites: false,
    started: '2026-11-30T08:00:00Z',
    state: finished ? 'finished' : 'running',
    done: finished ? 2 : 1,
    total: 2,
    current: 'unknown-filter-attribute-400 title',
    results: finished ? results : results.slice(0, 1),
    report: null,
    error: null,
  });
  const calls = serveApi({
    'GET /api/configurations': () => json([{ id: 'c1', name: 'Strict' }]),
    'GET /api/targets': () => json([]),
    'GET /api/conformance-runs': () => json([]),
    'POST /api/conformance-runs': () => json(view(false), 202),
    'GET /api/conformance-runs/check_1': () => {
      polls += 1;
      return json(view(polls > 1));
    },
  });
  renderWithApp(<ConformancePage />);
  const endpoint = await screen.findByLabelText(/^Endpoint/, { selector: 'input' });
  await userEvent.click(endpoint);
  await userEvent.keyboard('{ArrowDown}{Enter}');
  expect(endpoint).toHaveValue('Strict');
  await userEvent.click(screen.getByRole('button', { name: 'Run the checks' }));
  expect(await screen.findByTestId('conformance-verdict', {}, { timeout: 3000 })).toHaveTextContent('1 MUST failed');
  expect(screen.getByTestId('conformance-progress')).toHaveTextContent('2 of 2 rules · 1 passed · 1 failed');
  const row = screen.getByTestId('result-unknown-filter-attribute-400');
  expect(within(row).getByText('it answered 200')).toBeInTheDocument();
  expect(within(row).getByText(/Bearer \*\*\*/)).toBeInTheDocument();
  expect(screen.getByRole('button', { name: /JUnit XML/ })).toBeInTheDocument();
  expect(calls.find((c) => c.method === 'POST')?.body).toEqual({
    target: { kind: 'configuration', configurationId: 'c1' },
    profile: null,
    allowWrites: false,
    rate: 10,
  });
});
