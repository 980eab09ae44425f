import { failureSearch, filterParams, filterQuery, mergeEntries } from './filters';

test('only the filters set reach the query string', () => {
  expect(filterQuery({ outcome: 'failure', text: '  ada ', client: '' }, { format: 'csv' })).toBe(
    'outcome=failure&text=ada&format=csv',
  );
});

test('a status that is not a number is left out rather than sent', () => {
  expect(filterParams({ status: '40x' }).status).toBeUndefined();
  expect(filterParams({ status: '409' }).status).toBe(409);
});

test('live entries and pages merge newest first, each record once', () => {
  const merged = mergeEntries([{ seq: 9 }, { seq: 8 }], [{ seq: 8 }, { seq: 7 }]);
  expect(merged.map((e) => e.seq)).toEqual([9, 8, 7]);
});

describe('failureSearch', () => {
  test('opens the log on the failures a ranked row counts', () => {
    const since = '2026-12-07T10:00:00.000Z';
    expect(failureSearch('type', 'uniqueness', since, 'c1')).toBe(
      '/logs?configuration=c1&outcome=failure&since=2026-12-07T10%3A00%3A00.000Z&scimType=uniqueness',
    );
    expect(failureSearch('type', 'status 404', since)).toBe(
      '/logs?outcome=failure&since=2026-12-07T10%3A00%3A00.000Z&status=404',
    );
    expect(failureSearch('type', 'revokedToken', since)).toContain('status=401');
    expect(failureSearch('attribute', 'phoneNumbers', since)).toContain('text=phoneNumbers');
  });
});
