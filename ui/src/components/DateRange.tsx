import { TextInput } from '@mantine/core';
import { localToIso } from '../pages/logs/filters';

/** A from/to range as two `datetime-local` inputs (local time); `To` says so when it is not after `From`. */
export function DateRange({
  from,
  to,
  onFrom,
  onTo,
}: {
  from: string;
  to: string;
  onFrom: (value: string) => void;
  onTo: (value: string) => void;
}) {
  return (
    <>
      <TextInput
        type="datetime-local"
        label="From"
        value={from}
        onChange={(e) => onFrom(e.currentTarget.value)}
        w={210}
      />
      <TextInput
        type="datetime-local"
        label="To"
        value={to}
        onChange={(e) => onTo(e.currentTarget.value)}
        error={backwards(from, to) ? 'must be after From' : undefined}
        w={210}
      />
    </>
  );
}

/** Whether a range ends before (or when) it starts. */
export function backwards(from: string, to: string): boolean {
  const since = localToIso(from);
  const until = localToIso(to);
  return since !== undefined && until !== undefined && since >= until;
}
