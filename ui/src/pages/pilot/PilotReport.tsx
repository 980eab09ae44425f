import {
  Badge,
  Checkbox,
  Group,
  Pagination,
  Progress,
  SegmentedControl,
  Stack,
  Table,
  Text,
  VisuallyHidden,
} from '@mantine/core';
import { useMemo, useState } from 'react';
import type { Schemas } from '../../api/client';
import { stepTitles } from '../configuration/ProvisionOnDemand';

export type PilotAction = Schemas['PilotAction'];
export type PilotRun = Schemas['PilotRunView'];
type Counts = Schemas['PilotCounts'];

/** Each action: its words and colour. */
export const actions: Record<PilotAction, { label: string; color: string }> = {
  created: { label: 'created', color: 'green' },
  updated: { label: 'updated', color: 'blue' },
  unchanged: { label: 'unchanged', color: 'gray' },
  skipped: { label: 'skipped', color: 'yellow' },
  failed: { label: 'failed', color: 'red' },
  wouldCreate: { label: 'would create', color: 'teal' },
  wouldUpdate: { label: 'would update', color: 'indigo' },
};

const countKey: Record<PilotAction, keyof Counts> = {
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged',
  skipped: 'skipped',
  failed: 'failed',
  wouldCreate: 'wouldCreate',
  wouldUpdate: 'wouldUpdate',
};

const PAGE = 100;

/** The actions that occurred, with their counts, in a stable order. */
export function countsOf(counts: Counts): { action: PilotAction; n: number }[] {
  return (Object.keys(actions) as PilotAction[])
    .map((action) => ({ action, n: counts[countKey[action]] }))
    .filter((c) => c.n > 0);
}

/** A run's progress: one bar section per action, and the counts in words. */
export function RunProgress({ run }: { run: PilotRun }) {
  const { total, done, counts } = run.progress;
  return (
    <Stack gap={6}>
      <Progress.Root size="xl">
        {countsOf(counts).map(({ action, n }) => (
          <Progress.Section
            key={action}
            value={total ? (n / total) * 100 : 0}
            color={actions[action].color}
            aria-label={`${n} of ${total} users ${actions[action].label}`}
          >
            <Progress.Label>{n}</Progress.Label>
          </Progress.Section>
        ))}
      </Progress.Root>
      <Group gap="xs">
        <Text size="sm" data-testid="pilot-progress">
          {done} of {total} users
        </Text>
        {countsOf(counts).map(({ action, n }) => (
          <Badge key={action} color={actions[action].color} variant="light">
            {n} {actions[action].label}
          </Badge>
        ))}
      </Group>
    </Stack>
  );
}

/** Where a user stopped: the step that failed, in Entra ID's words. */
export function failedAt(user: Schemas['PilotUserResult']): string | null {
  const step = user.steps?.find((s) => s.status === 'failed');
  return step ? stepTitles[step.step] : null;
}

/**
 * A finished run's report: user by user, filtered by action, a page at a time; failed users can
 * be chosen (for a retry) when `chosen` is given.
 */
export function PilotReport({
  report,
  chosen,
  onChoose,
}: {
  report: Schemas['PilotReport'];
  chosen?: number[];
  onChoose?: (rows: number[]) => void;
}) {
  const [filter, setFilter] = useState<string>('all');
  const [page, setPage] = useState(1);
  const shown = useMemo(
    () => (filter === 'all' ? report.users : report.users.filter((u) => u.action === filter)),
    [report.users, filter],
  );
  const pages = Math.max(1, Math.ceil(shown.length / PAGE));
  const rows = shown.slice((page - 1) * PAGE, page * PAGE);
  const choices = [
    { value: 'all', label: `All (${report.users.length})` },
    ...countsOf(report.counts).map(({ action, n }) => ({ value: action, label: `${actions[action].label} (${n})` })),
  ];
  return (
    <Stack>
      <SegmentedControl
        aria-label="Show users"
        value={filter}
        onChange={(v) => {
          setFilter(v);
          setPage(1);
        }}
        data={choices}
        style={{ alignSelf: 'flex-start' }}
      />
      <Table aria-label="Pilot run report" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            {chosen && (
              <Table.Th>
                <VisuallyHidden>Chosen</VisuallyHidden>
              </Table.Th>
            )}
            <Table.Th>Row</Table.Th>
            <Table.Th>userName</Table.Th>
            <Table.Th>Result</Table.Th>
            <Table.Th>Detail</Table.Th>
            <Table.Th>Requests</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.map((u) => (
            <Table.Tr key={u.row}>
              {chosen && (
                <Table.Td>
                  {u.action === 'failed' && (
                    <Checkbox
                      aria-label={`Choose row ${u.row}`}
                      checked={chosen.includes(u.row)}
                      onChange={(e) =>
                        onChoose?.(e.currentTarget.checked ? [...chosen, u.row] : chosen.filter((row) => row !== u.row))
                      }
                    />
                  )}
                </Table.Td>
              )}
              <Table.Td>{u.row}</Table.Td>
              <Table.Td>{u.userName ?? '—'}</Table.Td>
              <Table.Td>
                <Badge color={actions[u.action].color} variant="light" style={{ minWidth: 'max-content' }}>
                  {actions[u.action].label}
                  {u.status != null ? ` · ${u.status}` : ''}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {failedAt(u) && <b>{failedAt(u)}: </b>}
                  {u.detail}
                </Text>
              </Table.Td>
              <Table.Td>{u.requests}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {pages > 1 && <Pagination total={pages} value={page} onChange={setPage} aria-label="Report pages" />}
    </Stack>
  );
}
