import { Badge, Button, Group, Select, Stack, Switch, Table, Tabs, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useInfiniteQuery, useQuery } from '@tanstack/react-query';
import { IconDownload, IconSearch } from '@tabler/icons-react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { useSearchParams } from 'react-router';
import { api, unwrap, type Configuration, type LogEntry } from '../../api/client';
import { useConfigurations } from '../../api/queries';
import { DateRange } from '../../components/DateRange';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';
import { EntryDetail } from './EntryDetail';
import { filterParams, filterQuery, localToIso, mergeEntries, type LogFilters } from './filters';
import { ColumnMenu } from '../../components/ColumnMenu';
import { LogTable, useLogColumns, type LogOrder } from './LogTable';
import { Refusals } from './Refusals';

const outcomes = ['success', 'failure', 'warning', 'skipped'];
const operations = ['create', 'update', 'disable', 'delete', 'query', 'discovery', 'membershipChange', 'token', 'bulk'];
const clients = [
  { value: 'entra', label: 'Entra ID' },
  { value: 'okta', label: 'Okta' },
  { value: 'oneLogin', label: 'OneLogin' },
  { value: 'google', label: 'Google' },
  { value: 'other', label: 'Other' },
];
const directions = [
  { value: 'inbound', label: 'Received' },
  { value: 'outbound', label: 'Sent by pilot runs' },
];
const ranges = [
  { value: '', label: 'All time' },
  { value: '1h', label: 'Last hour' },
  { value: '24h', label: 'Last 24 hours' },
  { value: '7d', label: 'Last 7 days' },
  { value: 'custom', label: 'From … to …' },
];
const rangeMs: Record<string, number> = { '1h': 3_600_000, '24h': 86_400_000, '7d': 604_800_000 };

/** An instant as a `datetime-local` input's value, in local time. */
function toLocalInput(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * Follows the log as server-sent events while `on`, from the record after `from` (the newest
 * one read, so nothing stored since the page was read is missed); new records arrive in
 * batches per frame.
 */
function useLiveTail(on: boolean, filters: LogFilters, from: number | undefined, onEntries: (e: LogEntry[]) => void) {
  const [connected, setConnected] = useState(false);
  const query = filterQuery({ ...filters, since: undefined }, { after: from });
  useEffect(() => {
    if (!on) return;
    const source = new EventSource(`/api/logs/stream?${query}`);
    let batch: LogEntry[] = [];
    let frame = 0;
    const flush = () => {
      frame = 0;
      const ready = batch;
      batch = [];
      onEntries(ready);
    };
    source.onopen = () => setConnected(true);
    source.onerror = () => setConnected(false);
    source.addEventListener('entry', (event) => {
      batch.push(JSON.parse((event as MessageEvent<string>).data) as LogEntry);
      if (!frame) frame = requestAnimationFrame(flush);
    });
    return () => {
      if (frame) cancelAnimationFrame(frame);
      source.close();
      setConnected(false);
    };
  }, [on, query, onEntries]);
  return connected;
}

function Cycles({ configuration }: { configuration: Configuration }) {
  const cycles = useQuery({
    queryKey: ['cycles', configuration.id],
    queryFn: () => unwrap(api.GET('/api/logs/cycles', { params: { query: { configuration: configuration.id } } })),
  });
  if (cycles.isPending) return <Loading label="Finding provisioning cycles" />;
  if (cycles.isError) return <ErrorNotice error={cycles.error} />;
  if (cycles.data.length === 0)
    return (
      <EmptyState title="No cycle yet">
        A cycle is a run of requests from the identity provider without a long pause; Entra ID runs one about every 40
        minutes.
      </EmptyState>
    );
  return (
    <Table aria-label="Provisioning cycles" verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Start</Table.Th>
          <Table.Th>End</Table.Th>
          <Table.Th>Requests</Table.Th>
          <Table.Th>Writes</Table.Th>
          <Table.Th>Failures</Table.Th>
          <Table.Th>Warnings</Table.Th>
          <Table.Th>Skipped</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {cycles.data.map((c) => (
          <Table.Tr key={c.start}>
            <Table.Td>{formatDateTime(c.start)}</Table.Td>
            <Table.Td>{c.ongoing ? <Badge>ongoing</Badge> : formatDateTime(c.end)}</Table.Td>
            <Table.Td>{c.requests}</Table.Td>
            <Table.Td>{c.writes}</Table.Td>
            <Table.Td>{c.failures > 0 ? <Badge color="red">{c.failures}</Badge> : 0}</Table.Td>
            <Table.Td>{c.warnings}</Table.Td>
            <Table.Td>{c.skipped}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** The provisioning log: filters, live tail, a virtualised table, entry detail, cycles and export. */
export function LogsView({ configuration, initial }: { configuration?: Configuration; initial?: LogFilters }) {
  const configurations = useConfigurations();
  const names = useMemo(() => new Map((configurations.data ?? []).map((c) => [c.id, c.name])), [configurations.data]);
  const [filters, setFilters] = useState<LogFilters>({
    ...initial,
    configuration: configuration?.id ?? initial?.configuration,
  });
  const [text, setText] = useState(initial?.text ?? '');
  const [debouncedText] = useDebouncedValue(text, 300);
  const [range, setRange] = useState(initial?.since || initial?.until ? 'custom' : '');
  // The custom range as the `datetime-local` inputs hold it (local time).
  const [from, setFrom] = useState(initial?.since ? toLocalInput(initial.since) : '');
  const [to, setTo] = useState(initial?.until ? toLocalInput(initial.until) : '');
  const [live, setLive] = useState(true);
  const [order, setOrder] = useState<LogOrder>('newest');
  const logColumns = useLogColumns();
  const [liveEntries, setLiveEntries] = useState<LogEntry[]>([]);
  // The record shown has its own address (`?entry=<seq>`): shareable, and Back closes it.
  const [params, setParams] = useSearchParams();
  const openSeq = params.get('entry');
  const setOpen = useCallback(
    (e: LogEntry | null) =>
      setParams((p) => {
        const next = new URLSearchParams(p);
        if (e) next.set('entry', String(e.seq));
        else next.delete('entry');
        return next;
      }),
    [setParams],
  );
  const since = useRef<string | undefined>(undefined);
  since.current =
    range === 'custom' ? localToIso(from) : range ? new Date(Date.now() - rangeMs[range]).toISOString() : undefined;
  const until = range === 'custom' ? localToIso(to) : undefined;
  const effective: LogFilters = { ...filters, text: debouncedText, since: since.current, until };
  const key = filterQuery({ ...effective, since: range === 'custom' ? since.current : range });

  // Newest first pages backwards (`before`); oldest first pages forwards (`after`, from 0).
  const pages = useInfiniteQuery({
    queryKey: ['logs', key, order],
    initialPageParam: undefined as number | undefined,
    getNextPageParam: (last: { next?: number | null }) => last.next ?? undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/logs', {
          params: {
            query: {
              ...filterParams(effective),
              ...(order === 'oldest' ? { after: pageParam ?? 0 } : { before: pageParam }),
              limit: 500,
            },
          },
        }),
      ),
  });
  useEffect(() => setLiveEntries([]), [key, order]);
  // Live records arrive oldest first: on top of a newest-first list, at the end of an oldest-first one.
  const onLive = useCallback(
    (batch: LogEntry[]) =>
      setLiveEntries((prev) => (order === 'oldest' ? [...prev, ...batch] : [...batch.reverse(), ...prev])),
    [order],
  );
  // A custom range that ends in the past has nothing new to follow. Oldest first, new records
  // belong after the last page: until it is read, scrolling on reaches them.
  const following = live && until === undefined && !pages.isPending && (order === 'newest' || !pages.hasNextPage);
  const read = pages.data?.pages;
  const newestRead = order === 'oldest' ? read?.at(-1)?.entries.at(-1)?.seq : read?.[0]?.entries[0]?.seq;
  const connected = useLiveTail(following, effective, newestRead, onLive);
  const entries = useMemo(() => {
    const loaded = pages.data?.pages.flatMap((p) => p.entries) ?? [];
    return order === 'oldest' ? mergeEntries(loaded, liveEntries) : mergeEntries(liveEntries, loaded);
  }, [liveEntries, pages.data, order]);
  const loaded = openSeq ? entries.find((e) => String(e.seq) === openSeq) : undefined;
  const fetched = useQuery({
    queryKey: ['log-entry', openSeq],
    enabled: openSeq !== null && loaded === undefined && /^\d+$/.test(openSeq),
    queryFn: () => unwrap(api.GET('/api/logs/{seq}', { params: { path: { seq: Number(openSeq) } } })),
  });
  const open = openSeq ? (loaded ?? fetched.data ?? null) : null;
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = pages;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  const set = (k: keyof LogFilters) => (v: string | null) => setFilters((f) => ({ ...f, [k]: v ?? undefined }));

  const table = (
    <Stack>
      <Group gap="xs" align="flex-end">
        {!configuration && (
          <Select
            label="Configuration"
            placeholder="All"
            clearable
            data={(configurations.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
            value={filters.configuration ?? null}
            onChange={set('configuration')}
            w={200}
          />
        )}
        <Select
          label="Outcome"
          placeholder="Any"
          clearable
          data={outcomes}
          value={filters.outcome ?? null}
          onChange={set('outcome')}
          w={130}
        />
        <Select
          label="Operation"
          placeholder="Any"
          clearable
          data={operations}
          value={filters.operation ?? null}
          onChange={set('operation')}
          w={170}
        />
        <Select
          label="Client"
          placeholder="Any"
          clearable
          data={clients}
          value={filters.client ?? null}
          onChange={set('client')}
          w={130}
        />
        <Select
          label="Direction"
          placeholder="Both"
          clearable
          data={directions}
          value={filters.direction ?? null}
          onChange={set('direction')}
          w={170}
        />
        <TextInput
          label="Status"
          placeholder="e.g. 409"
          value={filters.status ?? ''}
          onChange={(e) => set('status')(e.currentTarget.value)}
          error={filters.status && !/^\d{3}$/.test(filters.status) ? 'three digits' : undefined}
          w={100}
        />
        <Select
          label="Time"
          data={ranges}
          value={range}
          onChange={(v) => setRange(v ?? '')}
          allowDeselect={false}
          w={160}
        />
        {range === 'custom' && <DateRange from={from} to={to} onFrom={setFrom} onTo={setTo} />}
        <TextInput
          label="Search"
          placeholder="name, id, externalId, email, error (word*)"
          leftSection={<IconSearch size={16} />}
          value={text}
          onChange={(e) => setText(e.currentTarget.value)}
          style={{ flex: 1, minWidth: 220 }}
        />
      </Group>
      <Group justify="space-between">
        <Group gap="sm">
          <Switch label="Live" checked={live} onChange={(e) => setLive(e.currentTarget.checked)} />
          {live && (
            <Badge color={connected ? 'green' : 'gray'} variant="dot" data-testid="live-status">
              {connected ? 'following new requests' : 'connecting…'}
            </Badge>
          )}
          <Text size="sm" c="dimmed">
            {entries.length.toLocaleString()} shown
            {hasNextPage ? `, scroll for ${order === 'oldest' ? 'newer' : 'older'}` : ''}
          </Text>
        </Group>
        <Group gap="xs">
          <ColumnMenu label="Provisioning log" columns={logColumns.choices} onToggle={logColumns.toggle} />
          <Button
            component="a"
            variant="default"
            size="xs"
            leftSection={<IconDownload size={14} />}
            href={`/api/logs/export?${filterQuery(effective, { format: 'csv' })}`}
          >
            Export CSV
          </Button>
          <Button
            component="a"
            variant="default"
            size="xs"
            leftSection={<IconDownload size={14} />}
            href={`/api/logs/export?${filterQuery(effective, { format: 'jsonl' })}`}
          >
            Export JSON Lines
          </Button>
        </Group>
      </Group>
      {pages.isPending ? (
        <Loading label="Loading the provisioning log" />
      ) : pages.isError ? (
        <ErrorNotice error={pages.error} retry={() => pages.refetch()} />
      ) : entries.length === 0 ? (
        <EmptyState title="No request recorded yet">
          Every request the identity provider sends to the SCIM endpoint is recorded here the moment it is answered.
          {live ? ' This page follows new ones live: start provisioning (or press Test Connection in the IdP).' : ''}
        </EmptyState>
      ) : (
        <LogTable
          entries={entries}
          onOpen={setOpen}
          onEnd={loadMore}
          names={names}
          columns={logColumns.shown}
          order={order}
          onOrder={setOrder}
        />
      )}
      {filters.scimType && (
        <Group gap="xs">
          <Badge variant="light" color="red" tt="none">
            Only failures answered with {filters.scimType}
          </Badge>
          <Button size="compact-xs" variant="subtle" onClick={() => set('scimType')(null)}>
            Any error
          </Button>
        </Group>
      )}
      {filters.resource && (
        <Group gap="xs">
          <Badge variant="light" tt="none">
            Only the records of resource {filters.resource}
          </Badge>
          <Button size="compact-xs" variant="subtle" onClick={() => set('resource')(null)}>
            Show all resources
          </Button>
        </Group>
      )}
      <EntryDetail
        entry={open}
        onClose={() => setOpen(null)}
        configurationName={open ? names.get(open.configurationId) : undefined}
      />
    </Stack>
  );

  return (
    <Tabs defaultValue="requests" keepMounted={false}>
      <Tabs.List>
        <Tabs.Tab value="requests">Requests</Tabs.Tab>
        <Tabs.Tab value="refused">Refused credentials</Tabs.Tab>
        {configuration && <Tabs.Tab value="cycles">Cycles</Tabs.Tab>}
      </Tabs.List>
      <Tabs.Panel value="requests" pt="md">
        {table}
      </Tabs.Panel>
      <Tabs.Panel value="refused" pt="md">
        <Refusals configuration={configuration?.id ?? filters.configuration} names={names} />
      </Tabs.Panel>
      {configuration && (
        <Tabs.Panel value="cycles" pt="md">
          <Cycles configuration={configuration} />
        </Tabs.Panel>
      )}
    </Tabs>
  );
}
