import {
  Anchor,
  Badge,
  Button,
  Drawer,
  FileButton,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Tabs,
  Text,
  TextInput,
  Tooltip,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import type { SortingState } from '@tanstack/react-table';
import { IconAt, IconPlayerPlay, IconSearch, IconUpload } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { api, describe, unwrap, type Configuration, type GroupSummary, type UserSummary } from '../../api/client';
import { may, useMe } from '../../api/me';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { DataTable, type DataColumn } from '../../components/DataTable';
import { JsonView } from '../../components/JsonView';
import { formatDateTime } from '../../format';
import { outcomeColor } from '../logs/LogTable';
import { HeldDeletionsPanel } from './DeletionGuard';
import { ProvisionOnDemand } from './ProvisionOnDemand';
import { RekeyDrawer } from './RekeyDrawer';

type Kind = 'users' | 'groups';
interface Page {
  items: (UserSummary | GroupSummary)[];
  total: number;
  next?: string | null;
}

function Detail({
  configuration,
  kind,
  id,
  onClose,
}: {
  configuration: Configuration;
  kind: Kind;
  id: string | null;
  onClose: () => void;
}) {
  const detail = useQuery({
    queryKey: ['directory', configuration.id, kind, id],
    enabled: id !== null,
    queryFn: () =>
      kind === 'users'
        ? unwrap(
            api.GET('/api/configurations/{id}/users/{user}', {
              params: { path: { id: configuration.id, user: id ?? '' } },
            }),
          )
        : unwrap(
            api.GET('/api/configurations/{id}/groups/{group}', {
              params: { path: { id: configuration.id, group: id ?? '' } },
            }),
          ),
  });
  return (
    <Drawer
      opened={id !== null}
      onClose={onClose}
      position="right"
      size="xl"
      title={kind === 'users' ? 'User' : 'Group'}
    >
      {detail.isPending ? (
        <Loading label="Loading" />
      ) : detail.isError ? (
        <ErrorNotice error={detail.error} />
      ) : (
        <Stack>
          <Text fw={600} style={{ overflowWrap: 'anywhere' }}>
            {String(
              (detail.data as Record<string, unknown>).userName ??
                (detail.data as Record<string, unknown>).displayName ??
                id,
            )}
          </Text>
          <Tabs defaultValue="history" keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="history">Provisioning history</Tabs.Tab>
              <Tabs.Tab value="json">JSON</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="history" pt="sm">
              {id && <History configuration={configuration.id} resource={id} />}
            </Tabs.Panel>
            <Tabs.Panel value="json" pt="sm">
              <div data-testid="resource-json">
                <JsonView title="Resource" body={detail.data} />
              </div>
            </Tabs.Panel>
          </Tabs>
        </Stack>
      )}
    </Drawer>
  );
}

/** The requests recorded for one resource, newest first, each opening its log record. */
function History({ configuration, resource }: { configuration: string; resource: string }) {
  const records = useQuery({
    queryKey: ['logs', 'resource', configuration, resource],
    queryFn: () => unwrap(api.GET('/api/logs', { params: { query: { configuration, resource, limit: 100 } } })),
  });
  if (records.isPending) return <Loading label="Loading the history" />;
  if (records.isError) return <ErrorNotice error={records.error} />;
  const entries = records.data.entries;
  if (entries.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No request for it is in the provisioning log (imported, or older than the log keeps).
      </Text>
    );
  return (
    <Stack gap="xs">
      <Table aria-label="Provisioning history" verticalSpacing={4} data-testid="resource-history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>When</Table.Th>
            <Table.Th>Request</Table.Th>
            <Table.Th>Outcome</Table.Th>
            <Table.Th>Detail</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => (
            <Table.Tr key={e.seq}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>
                <Anchor component={Link} to={`/logs?entry=${e.seq}`} size="sm">
                  {formatDateTime(e.at)}
                </Anchor>
              </Table.Td>
              <Table.Td>
                {e.operation} ({e.method})
              </Table.Td>
              <Table.Td>
                <Badge color={outcomeColor[e.outcome]} variant="light" style={{ flexShrink: 0 }}>
                  {e.outcome} {e.status}
                </Badge>
              </Table.Td>
              <Table.Td style={{ overflowWrap: 'anywhere' }}>
                <Text size="sm">{e.detail ?? '—'}</Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Anchor component={Link} to={`/logs?resource=${encodeURIComponent(resource)}`} size="sm">
        All its records in the provisioning log
      </Anchor>
    </Stack>
  );
}

type Order = 'name' | 'nameDescending' | 'created' | 'createdDescending';

/** The server's order for the table's sorting (its name or creation column, either way). */
export function orderOf(sorting: SortingState): Order {
  const [first] = sorting;
  if (first?.id === 'created') return first.desc ? 'createdDescending' : 'created';
  return first?.desc ? 'nameDescending' : 'name';
}

/** The users table: sorted by the server on userName and creation only. */
function userColumns(open: (id: string) => void): DataColumn<UserSummary>[] {
  return [
    {
      id: 'name',
      header: 'userName',
      accessorFn: (u) => u.userName,
      enableHiding: false,
      cell: ({ row: { original: u } }) => (
        <>
          <Button
            variant="subtle"
            size="compact-sm"
            onClick={(e) => {
              e.stopPropagation();
              open(u.id);
            }}
          >
            {u.userName}
          </Button>
          {u.protected && (
            <Tooltip label="A protected account: excluded from provisioning, never changed, removed or matched over SCIM">
              <Badge color="grape" variant="light" ml="xs" miw="fit-content">
                protected
              </Badge>
            </Tooltip>
          )}
        </>
      ),
    },
    { id: 'displayName', header: 'Display name', accessorFn: (u) => u.displayName ?? '—', enableSorting: false },
    {
      id: 'externalId',
      header: 'externalId',
      accessorFn: (u) => u.externalId ?? '—',
      enableSorting: false,
      cell: ({ getValue }) => (
        <Text ff="monospace" size="sm">
          {String(getValue())}
        </Text>
      ),
    },
    {
      id: 'active',
      header: 'Active',
      enableSorting: false,
      accessorFn: (u) => (u.active == null ? '—' : u.active ? 'active' : 'inactive'),
      cell: ({ row: { original: u } }) =>
        u.active == null ? (
          '—'
        ) : (
          <Badge color={u.active ? 'green' : 'gray'} variant="light">
            {u.active ? 'active' : 'inactive'}
          </Badge>
        ),
    },
    {
      id: 'origin',
      header: 'Came from',
      enableSorting: false,
      accessorFn: (u) => u.origin,
      cell: ({ row: { original: u } }) => (
        <Badge variant="outline" color={u.origin === 'scim' ? 'blue' : 'orange'}>
          {u.origin === 'scim' ? 'SCIM' : 'import, not linked yet'}
        </Badge>
      ),
    },
    {
      id: 'created',
      header: 'Created',
      accessorFn: (u) => u.created,
      cell: ({ row }) => formatDateTime(row.original.created),
    },
    {
      id: 'lastModified',
      header: 'Last changed',
      enableSorting: false,
      accessorFn: (u) => u.lastModified,
      cell: ({ row }) => formatDateTime(row.original.lastModified),
    },
  ];
}

/** The groups table: sorted by the server on displayName and creation only. */
function groupColumns(open: (id: string) => void): DataColumn<GroupSummary>[] {
  return [
    {
      id: 'name',
      header: 'Display name',
      accessorFn: (g) => g.displayName,
      enableHiding: false,
      cell: ({ row: { original: g } }) => (
        <Button
          variant="subtle"
          size="compact-sm"
          onClick={(e) => {
            e.stopPropagation();
            open(g.id);
          }}
        >
          {g.displayName}
        </Button>
      ),
    },
    {
      id: 'externalId',
      header: 'externalId',
      accessorFn: (g) => g.externalId ?? '—',
      enableSorting: false,
      cell: ({ getValue }) => (
        <Text ff="monospace" size="sm">
          {String(getValue())}
        </Text>
      ),
    },
    {
      id: 'members',
      header: 'Members',
      enableSorting: false,
      accessorFn: (g) => g.members,
      cell: ({ row }) => row.original.members.toLocaleString(),
    },
    {
      id: 'created',
      header: 'Created',
      accessorFn: (g) => g.created,
      cell: ({ row }) => formatDateTime(row.original.created),
    },
    {
      id: 'lastModified',
      header: 'Last changed',
      enableSorting: false,
      accessorFn: (g) => g.lastModified,
      cell: ({ row }) => formatDateTime(row.original.lastModified),
    },
  ];
}

/** The configuration's directory: the users and groups provisioned into it, searchable. */
export function DirectoryTab({ configuration }: { configuration: Configuration }) {
  const writable = may(useMe(configuration.id).data, 'directory', 'write');
  const [kind, setKind] = useState<Kind>('users');
  const [search, setSearch] = useState('');
  const [debounced] = useDebouncedValue(search, 250);
  // The resource shown has its own address (`?user=<id>` or `?group=<id>`): log records link to it.
  const [params, setParams] = useSearchParams();
  const linked = params.get('user') ?? params.get('group');
  const open = linked;
  const setOpen = (next: string | null) =>
    setParams((p) => {
      const out = new URLSearchParams(p);
      out.delete('user');
      out.delete('group');
      if (next) out.set(kind === 'users' ? 'user' : 'group', next);
      return out;
    });
  useEffect(() => {
    if (params.get('group')) setKind('groups');
    else if (params.get('user')) setKind('users');
  }, [params]);
  const [importing, setImporting] = useState(false);
  const [onDemand, setOnDemand] = useState(false);
  const [rekeying, setRekeying] = useState(false);
  const client = useQueryClient();
  const id = configuration.id;
  // The server orders the list (it pages by key): by name or by creation, either way.
  const [sorting, setSorting] = useState<SortingState>([{ id: 'name', desc: false }]);
  const order = orderOf(sorting);
  const pages = useInfiniteQuery({
    queryKey: ['directory', id, kind, 'list', debounced, order],
    // Another order or search of the same kind keeps the table (and its chosen columns) up
    // while the new page comes.
    placeholderData: (previous, query) => (query?.queryKey[2] === kind ? previous : undefined),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last: Page) => last.next ?? undefined,
    queryFn: ({ pageParam }): Promise<Page> => {
      const query = { search: debounced || undefined, order, after: pageParam, limit: 100 };
      return kind === 'users'
        ? unwrap(api.GET('/api/configurations/{id}/users', { params: { path: { id }, query } }))
        : unwrap(api.GET('/api/configurations/{id}/groups', { params: { path: { id }, query } }));
    },
  });
  const items = pages.data?.pages.flatMap((p) => p.items) ?? [];
  const total = pages.data?.pages[0]?.total ?? 0;

  const importUsers = async (file: File | null) => {
    if (!file) return;
    setImporting(true);
    try {
      const text = await file.text();
      const json = file.name.endsWith('.json') || text.trimStart().startsWith('[') || text.trimStart().startsWith('{');
      const report = await unwrap(
        api.POST('/api/configurations/{id}/users/import', {
          params: { path: { id } },
          body: text,
          bodySerializer: (b: string) => b,
          headers: { 'Content-Type': json ? 'application/json' : 'text/csv' },
        }),
      );
      notifications.show({
        title: `${report.imported} users imported`,
        message: report.rejected.length
          ? `${report.rejected.length} rows refused, e.g. ${JSON.stringify(report.rejected[0])}`
          : 'They wait to be linked by the identity provider’s first matching request.',
        color: report.rejected.length ? 'yellow' : 'green',
      });
      await client.invalidateQueries({ queryKey: ['directory', id] });
    } catch (e) {
      notifications.show({ title: 'Import failed', message: describe(e), color: 'red' });
    } finally {
      setImporting(false);
    }
  };

  return (
    <Stack>
      <HeldDeletionsPanel configuration={configuration} />
      <ProvisionOnDemand configuration={configuration} opened={onDemand} onClose={() => setOnDemand(false)} />
      <RekeyDrawer configuration={configuration} opened={rekeying} onClose={() => setRekeying(false)} />
      <Group justify="space-between">
        <Group>
          <SegmentedControl
            aria-label="Resource type"
            value={kind}
            onChange={(v) => setKind(v as Kind)}
            data={[
              { value: 'users', label: 'Users' },
              { value: 'groups', label: 'Groups' },
            ]}
          />
          <TextInput
            aria-label={`Search ${kind}`}
            placeholder={kind === 'users' ? 'userName, display name or externalId' : 'display name or externalId'}
            leftSection={<IconSearch size={16} />}
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
            w={320}
          />
        </Group>
        {kind === 'users' && writable && (
          <Button variant="default" leftSection={<IconAt size={16} />} onClick={() => setRekeying(true)}>
            Convert user IDs to emails
          </Button>
        )}
        {kind === 'users' && writable && (
          <Button variant="default" leftSection={<IconPlayerPlay size={16} />} onClick={() => setOnDemand(true)}>
            Provision on demand
          </Button>
        )}
        {kind === 'users' && writable && (
          <FileButton onChange={importUsers} accept=".csv,text/csv,application/json,.json">
            {(props) => (
              <Button {...props} variant="default" loading={importing} leftSection={<IconUpload size={16} />}>
                Import existing users
              </Button>
            )}
          </FileButton>
        )}
      </Group>
      {pages.isPending ? (
        <Loading label={`Loading ${kind}`} />
      ) : pages.isError ? (
        <ErrorNotice error={pages.error} retry={() => pages.refetch()} />
      ) : items.length === 0 ? (
        debounced ? (
          <Text c="dimmed">
            No {kind === 'users' ? 'user' : 'group'} matches “{debounced}”.
          </Text>
        ) : (
          <EmptyState title={`No ${kind} provisioned yet`}>
            {kind === 'users'
              ? 'Users appear here as the identity provider creates them over SCIM. Assign users to the app in the IdP and start provisioning, or import the target’s existing users so the first cycle links them.'
              : 'Groups appear here when the identity provider pushes them (Okta “Push Groups”, Entra ID group assignments).'}
          </EmptyState>
        )
      ) : (
        <>
          <Text size="sm" c="dimmed">
            {total.toLocaleString()} {kind}
          </Text>
          {kind === 'users' ? (
            <DataTable
              key="users"
              label="Users"
              data={items as UserSummary[]}
              columns={userColumns(setOpen)}
              rowKey={(u) => u.id}
              sorting={sorting}
              onSortingChange={setSorting}
              onRowClick={(u) => setOpen(u.id)}
              initialHidden={['created']}
              minWidth={760}
            />
          ) : (
            <DataTable
              key="groups"
              label="Groups"
              data={items as GroupSummary[]}
              columns={groupColumns(setOpen)}
              rowKey={(g) => g.id}
              sorting={sorting}
              onSortingChange={setSorting}
              onRowClick={(g) => setOpen(g.id)}
              initialHidden={['created']}
              minWidth={560}
            />
          )}
          {pages.hasNextPage && (
            <Button variant="default" onClick={() => pages.fetchNextPage()} loading={pages.isFetchingNextPage}>
              Load more
            </Button>
          )}
        </>
      )}
      <Detail configuration={configuration} kind={kind} id={open} onClose={() => setOpen(null)} />
    </Stack>
  );
}
