import {
  Alert,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  SegmentedControl,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconShieldExclamation } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { ApiError, api, describe, unwrap, type Configuration, type Schemas } from '../../api/client';
import { may, useMe } from '../../api/me';
import { Confirm } from '../../components/Confirm';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { formatDateTime } from '../../format';

type Held = Schemas['HeldDeletion'];

type Mode = 'off' | 'count' | 'percent';
type Optional = number | string;

const thresholdKey = (id: string) => ['deletion-threshold', id];
const heldKey = (id: string) => ['held-deletions', id];

/**
 * The accidental-deletion threshold of a configuration (Policy tab): off, a number, or a
 * percentage of its users within a window; beyond it deletions and deactivations are held.
 */
export function DeletionThresholdPanel({ configuration }: { configuration: Configuration }) {
  const client = useQueryClient();
  const me = useMe(configuration.id);
  const writable = may(me.data, 'configurations', 'write');
  const current = useQuery({
    queryKey: thresholdKey(configuration.id),
    queryFn: () =>
      unwrap(api.GET('/api/configurations/{id}/deletion-threshold', { params: { path: { id: configuration.id } } })),
  });
  const [mode, setMode] = useState<Mode>('off');
  const [amount, setAmount] = useState<Optional>(10);
  const [window, setWindow] = useState<Optional>(60);
  useEffect(() => {
    const t = current.data?.threshold?.threshold;
    if (!t) {
      setMode('off');
      return;
    }
    const limit = t.limit as { count?: number; percent?: number };
    setMode(limit.count !== undefined ? 'count' : 'percent');
    setAmount(limit.count ?? limit.percent ?? 10);
    setWindow(t.windowMinutes);
  }, [current.data]);

  const save = useMutation({
    mutationFn: async () => {
      if (mode === 'off') {
        if (current.data?.threshold) {
          await unwrap(
            api.DELETE('/api/configurations/{id}/deletion-threshold', { params: { path: { id: configuration.id } } }),
          );
        }
        return;
      }
      const limit = mode === 'count' ? { count: Number(amount) } : { percent: Number(amount) };
      await unwrap(
        api.PUT('/api/configurations/{id}/deletion-threshold', {
          params: { path: { id: configuration.id } },
          body: { limit, windowMinutes: Number(window) } as Schemas['DeletionThreshold'],
        }),
      );
    },
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: thresholdKey(configuration.id) });
      notifications.show({ message: 'Deletion threshold saved', color: 'green' });
    },
  });
  const field = save.error instanceof ApiError ? save.error.field : undefined;
  const errorFor = (name: string) => (field?.startsWith(name) ? describe(save.error) : undefined);

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3">
        Accidental-deletion threshold
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        When the identity provider deletes or deactivates more users than this within the window, further deletions are
        held: answered “retry later”, listed in the Directory tab to release or discard, and the “Deletions held” alert
        fires.
        {current.data?.threshold && ` Now: ${current.data.threshold.description}.`}
      </Text>
      <Stack gap="sm">
        <SegmentedControl
          aria-label="Deletion threshold"
          value={mode}
          onChange={(v) => setMode(v as Mode)}
          disabled={!writable}
          data={[
            { value: 'off', label: 'Off' },
            { value: 'count', label: 'A number of users' },
            { value: 'percent', label: 'A share of the users' },
          ]}
        />
        {mode !== 'off' && (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <NumberInput
              label={mode === 'count' ? 'At most this many users' : 'At most this percentage of the users'}
              min={1}
              max={mode === 'count' ? 1_000_000 : 100}
              value={amount}
              onChange={setAmount}
              disabled={!writable}
              error={errorFor('limit')}
            />
            <NumberInput
              label="Within (minutes)"
              min={1}
              max={10_080}
              value={window}
              onChange={setWindow}
              disabled={!writable}
              error={errorFor('windowMinutes')}
            />
          </SimpleGrid>
        )}
        {save.isError && !field && (
          <Alert color="red" role="alert">
            {describe(save.error)}
          </Alert>
        )}
        {writable && (
          <Group>
            <Button onClick={() => save.mutate()} loading={save.isPending}>
              Save threshold
            </Button>
          </Group>
        )}
      </Stack>
    </Paper>
  );
}

/**
 * The deletions the threshold holds (Directory tab): each user and what was asked, to release
 * (applied now) or discard (the users stay), selected or all, with a confirmation.
 */
export function HeldDeletionsPanel({ configuration }: { configuration: Configuration }) {
  const client = useQueryClient();
  const me = useMe(configuration.id);
  const writable = may(me.data, 'directory', 'write');
  const held = useQuery({
    queryKey: heldKey(configuration.id),
    queryFn: () =>
      unwrap(api.GET('/api/configurations/{id}/held-deletions', { params: { path: { id: configuration.id } } })),
    refetchInterval: 15_000,
  });
  const [selected, setSelected] = useState<string[]>([]);
  const [asking, setAsking] = useState<'release' | 'discard' | null>(null);
  const decide = useMutation({
    mutationFn: (action: 'release' | 'discard') => {
      const body = { ids: selected.length > 0 ? selected : null };
      const path = { params: { path: { id: configuration.id } }, body };
      return unwrap(
        action === 'release'
          ? api.POST('/api/configurations/{id}/held-deletions/release', path)
          : api.POST('/api/configurations/{id}/held-deletions/discard', path),
      );
    },
    onSuccess: async (done, action) => {
      setAsking(null);
      setSelected([]);
      await client.invalidateQueries({ queryKey: heldKey(configuration.id) });
      await client.invalidateQueries({ queryKey: ['directory', configuration.id] });
      notifications.show({
        color: 'green',
        message: `${done.decided} held deletion${done.decided === 1 ? '' : 's'} ${action === 'release' ? 'released' : 'discarded'}`,
      });
    },
  });
  const rows = held.data ?? [];
  if (rows.length === 0) return null;
  const columns: DataColumn<Held>[] = [
    {
      id: 'select',
      header: 'Select',
      hiddenHeader: true,
      ...controls,
      cell: ({ row: { original: h } }) => (
        <Checkbox
          aria-label={`Select ${h.userName ?? h.userId}`}
          checked={selected.includes(h.id)}
          onChange={(e) =>
            setSelected(e.currentTarget.checked ? [...selected, h.id] : selected.filter((id) => id !== h.id))
          }
        />
      ),
    },
    { id: 'user', header: 'User', accessorFn: (h) => h.userName ?? h.userId, enableHiding: false },
    { id: 'kind', header: 'Asked', accessorFn: (h) => (h.kind === 'delete' ? 'Delete' : 'Deactivate') },
    {
      id: 'held',
      header: 'Held since',
      accessorFn: (h) => h.held,
      enableGlobalFilter: false,
      cell: ({ row }) => formatDateTime(row.original.held),
    },
    { id: 'attempts', header: 'Attempts', accessorFn: (h) => h.attempts, enableGlobalFilter: false },
  ];
  const count = selected.length > 0 ? selected.length : rows.length;
  const which = selected.length > 0 ? `the ${count} selected` : `all ${count}`;
  return (
    <Alert
      color="orange"
      icon={<IconShieldExclamation />}
      title={`${rows.length} deletion${rows.length === 1 ? '' : 's'} held by the accidental-deletion threshold`}
    >
      <Stack gap="sm">
        <Text size="sm">
          The identity provider asked for these; they were not applied. Release them if they are meant, discard them if
          not (the users stay, and a retry of the provider is judged again).
        </Text>
        <DataTable
          label="Held deletions"
          data={rows}
          columns={columns}
          rowKey={(h) => h.id}
          filterPlaceholder="Filter by user or kind"
          initialSort={[{ id: 'held', desc: false }]}
          minWidth={560}
        />
        {writable && (
          <Group>
            <Button color="red" onClick={() => setAsking('release')}>
              Release {which}
            </Button>
            <Button variant="default" onClick={() => setAsking('discard')}>
              Discard {which}
            </Button>
          </Group>
        )}
      </Stack>
      <Confirm
        opened={asking !== null}
        title={asking === 'release' ? `Release ${which} held deletions?` : `Discard ${which} held deletions?`}
        confirmLabel={asking === 'release' ? 'Release' : 'Discard'}
        loading={decide.isPending}
        onConfirm={() => asking && decide.mutate(asking)}
        onCancel={() => setAsking(null)}
      >
        {asking === 'release'
          ? 'Each user is deleted or deactivated now, as the identity provider asked. The decision is recorded in the audit log.'
          : 'The users stay as they are. The decision is recorded in the audit log.'}
        {decide.isError && ` ${describe(decide.error)}`}
      </Confirm>
    </Alert>
  );
}
