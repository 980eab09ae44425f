import { formatMicros, relative } from './format';

test('durations read in the unit that fits', () => {
  expect(formatMicros(840)).toBe('840 µs');
  expect(formatMicros(12_400)).toBe('12.4 ms');
  expect(formatMicros(1_200_000)).toBe('1.20 s');
});

test('relative times in both directions', () => {
  const now = Date.parse('2026-11-30T12:00:00Z');
  expect(relative('2026-12-03T12:00:00Z', now)).toBe('in 3 days');
  expect(relative('2026-11-30T10:00:00Z', now)).toBe('2 hours ago');
  expect(relative(null, now)).toBe('—');
});
