import { filterParams, filterQuery, mergeEntries } from './filters';

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
