import { Badge, Checkbox, Group, Progress, SegmentedControl, Stack, Text } from '@mantine/core';
import { useMemo, useState } from 'react';
import type { Schemas } from '../../api/client';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { stepTitles } from '../configuration/ProvisionOnDemand';

export type PilotAction = Schemas['PilotAction'];
export type PilotRun = Schemas['PilotRunView'];
type UserResult = Schemas['PilotUserResult'];
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
  const shown = useMemo(
    () => (filter === 'all' ? report.users : report.users.filter((u) => u.action === filter)),
    [report.users, filter],
  );
  const choices = [
    { value: 'all', label: `All (${report.users.length})` },
    ...countsOf(report.counts).map(({ action, n }) => ({ value: action, label: `${actions[action].label} (${n})` })),
  ];
  const columns: DataColumn<UserResult>[] = [
    ...(chosen
      ? [
          {
            id: 'chosen',
            header: 'Chosen',
            hiddenHeader: true,
            ...controls,
            cell: ({ row: { original: u } }: { row: { original: UserResult } }) =>
              u.action === 'failed' && (
                <Checkbox
                  aria-label={`Choose row ${u.row}`}
                  checked={chosen.includes(u.row)}
                  onChange={(e) =>
                    onChoose?.(e.currentTarget.checked ? [...chosen, u.row] : chosen.filter((row) => row !== u.row))
                  }
                />
              ),
          } as DataColumn<UserResult>,
        ]
      : []),
    { id: 'row', header: 'Row', accessorFn: (u) => u.row, enableGlobalFilter: false },
    { id: 'userName', header: 'userName', accessorFn: (u) => u.userName ?? '—', enableHiding: false },
    {
      id: 'result',
      header: 'Result',
      accessorFn: (u) => actions[u.action].label,
      cell: ({ row: { original: u } }) => (
        <Badge color={actions[u.action].color} variant="light" style={{ minWidth: 'max-content' }}>
          {actions[u.action].label}
          {u.status != null ? ` · ${u.status}` : ''}
        </Badge>
      ),
    },
    {
      id: 'detail',
      header: 'Detail',
      accessorFn: (u) => `${failedAt(u) ?? ''} ${u.detail ?? ''}`,
      cell: ({ row: { original: u } }) => (
        <Text size="sm">
          {failedAt(u) && <b>{failedAt(u)}: </b>}
          {u.detail}
        </Text>
      ),
    },
    { id: 'requests', header: 'Requests', accessorFn: (u) => u.requests, enableGlobalFilter: false },
  ];
  return (
    <DataTable
      label="Pilot run report"
      data={shown}
      columns={columns}
      rowKey={(u) => String(u.row)}
      filterPlaceholder="Filter by userName or detail"
      initialSort={[{ id: 'row', desc: false }]}
      minWidth={720}
      toolbar={<SegmentedControl aria-label="Show users" value={filter} onChange={setFilter} data={choices} />}
    />
  );
}
