// How times, durations and counts read in the UI.

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** "Nov 30, 2026, 10:04:05 AM" in the user's locale; "—" for nothing. */
export function formatDateTime(value?: string | null): string {
  if (!value) return '—';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : dateTime.format(d);
}

const shortDateTime = new Intl.DateTimeFormat(undefined, {
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

/** "Dec 7, 10:04:05": the date and time in a table's narrow column. */
export function formatShortDateTime(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : shortDateTime.format(d);
}

/** The time of day only. */
export function formatTime(value: string): string {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : time.format(d);
}

/** "in 3 days", "2 hours ago". */
export function relative(value?: string | null, now: number = Date.now()): string {
  if (!value) return '—';
  const diff = new Date(value).getTime() - now;
  const abs = Math.abs(diff);
  const units: [Intl.RelativeTimeFormatUnit, number][] = [
    ['day', 86_400_000],
    ['hour', 3_600_000],
    ['minute', 60_000],
    ['second', 1000],
  ];
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, ms] of units) {
    if (abs >= ms || unit === 'second') return rtf.format(Math.round(diff / ms), unit);
  }
  return '—';
}

/** Microseconds as "840 µs", "12.4 ms", "1.20 s". */
export function formatMicros(us: number): string {
  if (us < 1000) return `${us} µs`;
  if (us < 1_000_000) return `${(us / 1000).toFixed(1)} ms`;
  return `${(us / 1_000_000).toFixed(2)} s`;
}

/** 12345 as "12,345". */
export function formatCount(n: number): string {
  return n.toLocaleString();
}
