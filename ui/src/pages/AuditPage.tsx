import { Button, Group, Select, Stack, Text, TextInput, Title, Tooltip } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { keepPreviousData, useInfiniteQuery, useMutation, useQueryClient } from '@tanstack/react-query';
import type { SortingState } from '@tanstack/react-table';
import { IconDownload } from '@tabler/icons-react';
import { useState } from 'react';
import { api, describe, unwrap, type Schemas } from '../api/client';
import { useConfigurations } from '../api/queries';
import { DataTable, type DataColumn } from '../components/DataTable';
import { JsonView } from '../components/JsonView';
import { backwards as endsFirst, DateRange } from '../components/DateRange';
import { EmptyState, ErrorNotice, Loading } from '../components/States';
import { formatDateTime } from '../format';
import { actionChoices, actionLabel } from './auditActions';
import { filterQuery, localToIso } from './logs/filters';

/** Undoes a conversion of user ids to emails from its audit record. */
function UndoRekey({ configuration, batch }: { configuration: string; batch: string }) {
  const client = useQueryClient();
  const undo = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/configurations/{id}/rekeys/{batch}/undo', {
          params: { path: { id: configuration, batch } },
        }),
      ),
    onSuccess: async (done) => {
      notifications.show({
        color: 'green',
        message: `Conversion undone: ${done.changed} users have their short name back`,
      });
      await client.invalidateQueries({ queryKey: ['audit'] });
    },
    onError: (e) => notifications.show({ color: 'red', title: 'Not undone', message: describe(e) }),
  });
  return (
    <Button size="compact-xs" variant="default" mt={4} loading={undo.isPending} onClick={() => undo.mutate()}>
      Undo this conversion
    </Button>
  );
}

/** An audit record's details, behind a toggle. */
function Details({ details, seq }: { details: unknown; seq: number }) {
  const [open, setOpen] = useState(false);
  const empty = details === null || (typeof details === 'object' && Object.keys(details as object).length === 0);
  if (empty) return <Text size="sm">—</Text>;
  return (
    <div>
      <Button
        size="compact-xs"
        variant="subtle"
        onClick={() => setOpen((o) => !o)}
        aria-expanded={open}
        aria-controls={`audit-details-${seq}`}
      >
        {open ? 'Hide details' : 'Show details'}
      </Button>
      <div id={`audit-details-${seq}`}>{open && <JsonView title="Details" body={details} />}</div>
    </div>
  );
}

type Entry = Schemas['AuditEntryView'];

/** The log's columns: the server orders by time; the others are read, filtered and chosen. */
const columns: DataColumn<Entry>[] = [
  {
    id: 'at',
    header: 'When',
    accessorFn: (e) => e.at,
    enableHiding: false,
    enableGlobalFilter: false,
    cell: ({ row }) => <span style={{ whiteSpace: 'nowrap' }}>{formatDateTime(row.original.at)}</span>,
  },
  {
    id: 'actor',
    header: 'Who',
    enableSorting: false,
    accessorFn: (e) => `${e.actor} ${e.person ? `${e.person.roles} ${e.person.via}` : ''}`,
    cell: ({ row: { original: e } }) => (
      <>
        <Text size="sm">{e.actor}</Text>
        {e.person && (
          <Text size="xs" c="dimmed" title={e.person.id}>
            {e.person.roles} · {e.person.via}
          </Text>
        )}
      </>
    ),
  },
  { id: 'source', header: 'From', enableSorting: false, accessorFn: (e) => e.source },
  {
    id: 'action',
    header: 'Action',
    enableSorting: false,
    accessorFn: (e) => `${actionLabel(e.action)} ${e.action} ${e.target ?? ''}`,
    cell: ({ row: { original: e } }) => (
      <>
        <Tooltip label={e.action}>
          <Text size="sm" data-testid="audit-action">
            {actionLabel(e.action)}
          </Text>
        </Tooltip>
        {e.target && (
          <Text size="xs" c="dimmed" style={{ overflowWrap: 'anywhere' }}>
            {e.target}
          </Text>
        )}
      </>
    ),
  },
  {
    id: 'configuration',
    header: 'Configuration',
    enableSorting: false,
    accessorFn: (e) => e.configurationName ?? '—',
  },
  {
    id: 'details',
    header: 'Details',
    enableSorting: false,
    accessorFn: (e) => JSON.stringify(e.details ?? ''),
    cell: ({ row: { original: e } }) => (
      <>
        <Details details={e.details} seq={e.seq} />
        {e.action === 'users.rekey' && e.configurationId && (
          <UndoRekey configuration={e.configurationId} batch={String((e.details as { batch?: string }).batch)} />
        )}
      </>
    ),
  },
];

/** Who changed which configuration, token or OAuth client, when and from where. */
export function AuditPage() {
  const configurations = useConfigurations();
  const [configuration, setConfiguration] = useState<string | null>(null);
  const [action, setAction] = useState<string | null>(null);
  const [actor, setActor] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [debouncedActor] = useDebouncedValue(actor, 300);
  const since = localToIso(from);
  const until = localToIso(to);
  const backwards = endsFirst(from, to);
  const query = {
    configuration: configuration ?? undefined,
    action: action ?? undefined,
    actor: debouncedActor.trim() || undefined,
    since,
    until: backwards ? undefined : until,
  };
  // The server orders the log (it pages by position): newest or oldest first.
  const [sorting, setSorting] = useState<SortingState>([{ id: 'at', desc: true }]);
  const oldestFirst = sorting[0]?.desc === false;
  const pages = useInfiniteQuery({
    queryKey: ['audit', query, oldestFirst],
    // Another order or filter keeps the table (and its chosen columns) up while the page comes.
    placeholderData: keepPreviousData,
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last: { next?: number | null }) => last.next ?? undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/audit', {
          params: {
            query: oldestFirst
              ? { ...query, order: 'oldestFirst', after: pageParam, limit: 100 }
              : { ...query, before: pageParam, limit: 100 },
          },
        }),
      ),
  });
  const entries = pages.data?.pages.flatMap((p) => p.entries) ?? [];
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Audit log
        </Title>
        <Text c="dimmed">
          Every change to configurations, tokens, OAuth clients and administrators, with the person who made it, their
          roles and the session or API token they used. It cannot be edited or deleted.
        </Text>
      </div>
      <Group align="flex-end">
        <Select
          label="Configuration"
          placeholder="All"
          clearable
          data={(configurations.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
          value={configuration}
          onChange={setConfiguration}
          w={220}
        />
        <Select
          label="Action"
          placeholder="Any"
          clearable
          searchable
          data={actionChoices}
          value={action}
          onChange={setAction}
          w={280}
        />
        <TextInput
          label="Who"
          placeholder="an administrator's email, cli:alice"
          value={actor}
          onChange={(e) => setActor(e.currentTarget.value)}
          w={240}
        />
        <DateRange from={from} to={to} onFrom={setFrom} onTo={setTo} />
        <Button
          component="a"
          variant="default"
          leftSection={<IconDownload size={16} />}
          href={`/api/audit/export?${filterQuery(query, { format: 'csv' })}`}
        >
          Export CSV
        </Button>
      </Group>
      {pages.isPending ? (
        <Loading label="Loading the audit log" />
      ) : pages.isError ? (
        <ErrorNotice error={pages.error} retry={() => pages.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState title="Nothing recorded">
          Changes made here, through the admin API or with scim-console appear in this log.
        </EmptyState>
      ) : (
        <DataTable
          label="Audit log"
          data={entries}
          columns={columns}
          rowKey={(e) => String(e.seq)}
          sorting={sorting}
          onSortingChange={setSorting}
          filterPlaceholder="Filter the records shown by any text"
          minWidth={880}
        />
      )}
      {pages.hasNextPage && (
        <Button variant="default" onClick={() => pages.fetchNextPage()} loading={pages.isFetchingNextPage}>
          {oldestFirst ? 'Load newer' : 'Load older'}
        </Button>
      )}
    </Stack>
  );
}
