import { ActionIcon, Anchor, Badge, Button, Group, Menu, Stack, Switch, Text, Title, Tooltip } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCopy, IconDots, IconPencil, IconPlus, IconTrash } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { describe, type Configuration } from '../api/client';
import { useConfigurations, useDeleteConfiguration, useUpdateConfiguration } from '../api/queries';
import { may, useMe } from '../api/me';
import { EmptyState, ErrorNotice, Loading } from '../components/States';
import { Confirm } from '../components/Confirm';
import { controls, DataTable, type DataColumn } from '../components/DataTable';
import { formatDateTime, relative } from '../format';
import { copyText } from '../native';
import { ConfigureDrawer } from './ConfigureDrawer';

function provisions(c: Configuration): string {
  if (c.provisionUsers && c.provisionGroups) return 'Users and groups';
  return c.provisionUsers ? 'Users' : 'Groups';
}

/** A configuration's token deadline within 30 days as a flag: "Token expires in 5 days", "Rotation overdue". */
export function tokenDue(
  due: Configuration['tokenDue'],
  now: number = Date.now(),
): { text: string; past: boolean } | null {
  if (!due) return null;
  const past = new Date(due.at).getTime() <= now;
  if (due.kind === 'expiry') return { text: past ? 'Token expired' : `Token expires ${relative(due.at, now)}`, past };
  return { text: past ? 'Rotation overdue' : `Rotation due ${relative(due.at, now)}`, past };
}

/** The list of SCIM configurations with search, status and quick actions. */
export function ConfigurationsPage() {
  const list = useConfigurations();
  const me = useMe().data;
  const writable = may(me, 'configurations', 'write');
  // A role limited to some configurations may change those: asked per row.
  const limited = !writable && (me?.grants ?? []).some((g) => g.configurations != null);
  const update = useUpdateConfiguration();
  const remove = useDeleteConfiguration();
  const [drawer, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<Configuration | undefined>();
  const [deleting, setDeleting] = useState<Configuration | undefined>();

  const openNew = () => {
    setEditing(undefined);
    open();
  };
  const toggle = (c: Configuration, enabled: boolean) =>
    update.mutate(
      { id: c.id, changes: { enabled } },
      {
        onSuccess: () =>
          notifications.show({
            message: `${c.name} ${enabled ? 'enabled' : 'disabled'}`,
            color: enabled ? 'green' : 'gray',
          }),
        onError: (e) => notifications.show({ title: 'Not changed', message: describe(e), color: 'red' }),
      },
    );
  const confirmDelete = () => {
    if (!deleting) return;
    remove.mutate(deleting.id, {
      onSuccess: () => {
        notifications.show({ message: `${deleting.name} deleted`, color: 'gray' });
        setDeleting(undefined);
      },
      onError: (e) => notifications.show({ title: 'Not deleted', message: describe(e), color: 'red' }),
    });
  };

  const edit = (c: Configuration) => {
    setEditing(c);
    open();
  };
  const columns = useConfigurationColumns({ writable, limited, toggle, edit, remove: setDeleting });

  return (
    <Stack>
      <Group justify="space-between" align="flex-end">
        <div>
          <Title order={1} size="h2">
            SCIM configurations
          </Title>
          <Text c="dimmed">
            One per identity-provider connection, each with its own SCIM base URL, tokens and directory.
          </Text>
        </div>
        {writable && (
          <Button leftSection={<IconPlus size={18} />} onClick={openNew}>
            Configure provisioning
          </Button>
        )}
      </Group>
      {list.isPending ? (
        <Loading label="Loading configurations" />
      ) : list.isError ? (
        <ErrorNotice error={list.error} retry={() => list.refetch()} />
      ) : list.data.length === 0 ? (
        <EmptyState
          title="No SCIM configuration yet"
          action={
            writable && (
              <Button onClick={openNew} leftSection={<IconPlus size={18} />}>
                Configure provisioning
              </Button>
            )
          }
        >
          A configuration gives an identity provider a SCIM base URL and a token to provision users and groups into.
          Create one, then paste both into Entra ID, Okta, OneLogin or Google.
        </EmptyState>
      ) : (
        <DataTable
          label="SCIM configurations"
          data={list.data}
          columns={columns}
          rowKey={(c) => c.id}
          filterPlaceholder="Filter by name, description or health"
          initialSort={[{ id: 'name', desc: false }]}
          initialHidden={['provisions']}
          minWidth={900}
        />
      )}
      <ConfigureDrawer opened={drawer} onClose={close} editing={editing} />
      <Confirm
        opened={deleting !== undefined}
        title={`Delete ${deleting?.name ?? ''}?`}
        confirmLabel="Delete"
        loading={remove.isPending}
        onConfirm={confirmDelete}
        onCancel={() => setDeleting(undefined)}
      >
        Its SCIM endpoint stops answering, its tokens stop working and its directory of provisioned users and groups is
        removed. The identity provider will report errors until its app is switched off.
      </Confirm>
    </Stack>
  );
}

const healthColor = { healthy: 'green', degraded: 'orange', failing: 'red' } as const;
const healthRank = { failing: 0, degraded: 1, healthy: 2 } as const;

/** How a configuration's provisioning goes, at a glance: the state (firing alerts included) with its reason. */
export function HealthCell({ c }: { c: Configuration }) {
  const h = c.health;
  if (!h) return <Text size="sm">—</Text>;
  return (
    <Stack gap={2} maw={320}>
      <Group gap={6} wrap="nowrap">
        <Badge color={healthColor[h.state]} variant="light" style={{ flexShrink: 0 }} data-testid="health-state">
          {h.state}
        </Badge>
        {h.firingAlerts.length > 0 && (
          <Badge color="red" variant="outline" style={{ flexShrink: 0 }}>
            {h.firingAlerts.length} alert{h.firingAlerts.length === 1 ? '' : 's'} firing
          </Badge>
        )}
      </Group>
      {h.state !== 'healthy' && (
        <Text size="xs" lineClamp={2} title={h.reason}>
          {h.reason}
        </Text>
      )}
    </Stack>
  );
}

function When({ at }: { at?: string | null }) {
  if (!at) return <Text size="sm">never</Text>;
  return (
    <Tooltip label={formatDateTime(at)}>
      <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
        {relative(at)}
      </Text>
    </Tooltip>
  );
}

/** The list's columns, with the actions the caller may take per row. */
function useConfigurationColumns({
  writable,
  limited,
  toggle,
  edit,
  remove,
}: {
  writable: boolean;
  limited: boolean;
  toggle: (c: Configuration, enabled: boolean) => void;
  edit: (c: Configuration) => void;
  remove: (c: Configuration) => void;
}): DataColumn<Configuration>[] {
  return useMemo(
    () => [
      {
        id: 'name',
        header: 'Name',
        accessorFn: (c) => `${c.name} ${c.description}`,
        sortingFn: (a, b) => a.original.name.localeCompare(b.original.name),
        enableHiding: false,
        cell: ({ row: { original: c } }) => (
          <div>
            <Anchor component={Link} to={`/configurations/${c.id}`} fw={600}>
              {c.name}
            </Anchor>
            {c.description && (
              <Text size="sm" c="dimmed" lineClamp={1}>
                {c.description}
              </Text>
            )}
          </div>
        ),
      },
      {
        id: 'health',
        header: 'Health',
        accessorFn: (c) => `${c.health?.state ?? ''} ${c.health?.reason ?? ''}`,
        sortingFn: (a, b) =>
          healthRank[a.original.health?.state ?? 'healthy'] - healthRank[b.original.health?.state ?? 'healthy'],
        cell: ({ row: { original: c } }) => <HealthCell c={c} />,
      },
      {
        id: 'lastRequest',
        header: 'Last request',
        accessorFn: (c) => c.health?.lastRequest ?? '',
        enableGlobalFilter: false,
        cell: ({ row: { original: c } }) => <When at={c.health?.lastRequest} />,
      },
      {
        id: 'lastFailure',
        header: 'Last failure',
        accessorFn: (c) => c.health?.lastFailure ?? '',
        enableGlobalFilter: false,
        cell: ({ row: { original: c } }) => <When at={c.health?.lastFailure} />,
      },
      {
        id: 'provisions',
        header: 'Provisions',
        accessorFn: provisions,
      },
      {
        id: 'status',
        header: 'Status',
        accessorFn: (c) => `${c.enabled ? 'enabled' : 'disabled'} ${tokenDue(c.tokenDue)?.text ?? ''}`,
        cell: ({ row: { original: c } }) => (
          <StatusCell c={c} writableEverywhere={writable} limited={limited} onToggle={(on) => toggle(c, on)} />
        ),
      },
      {
        id: 'url',
        header: 'SCIM base URL',
        accessorFn: (c) => c.scimBaseUrl,
        enableSorting: false,
        cell: ({ row: { original: c } }) => (
          <Group gap={4} wrap="nowrap">
            <Text size="sm" ff="monospace" truncate maw={260} title={c.scimBaseUrl}>
              {c.scimBaseUrl}
            </Text>
            <Tooltip label="Copy SCIM base URL">
              <ActionIcon
                variant="subtle"
                aria-label={`Copy the SCIM base URL of ${c.name}`}
                onClick={() =>
                  copyText(c.scimBaseUrl).then(() => notifications.show({ message: 'SCIM base URL copied' }))
                }
              >
                <IconCopy size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
        ),
      },
      {
        id: 'actions',
        header: 'Actions',
        hiddenHeader: true,
        ...controls,
        cell: ({ row: { original: c } }) => (
          <RowActions
            c={c}
            writableEverywhere={writable}
            limited={limited}
            onEdit={() => edit(c)}
            onDelete={() => remove(c)}
          />
        ),
      },
    ],
    [writable, limited, toggle, edit, remove],
  );
}

/** The caller's rights on one configuration, asked only for a role limited to some. */
function useRowWritable(c: Configuration, writableEverywhere: boolean, limited: boolean): boolean {
  const scoped = useMe(limited ? c.id : undefined).data;
  return writableEverywhere || (limited && may(scoped, 'configurations', 'write'));
}

function StatusCell({
  c,
  writableEverywhere,
  limited,
  onToggle,
}: {
  c: Configuration;
  writableEverywhere: boolean;
  limited: boolean;
  onToggle: (enabled: boolean) => void;
}) {
  const rowWritable = useRowWritable(c, writableEverywhere, limited);
  const due = tokenDue(c.tokenDue);
  return (
    <Group gap="xs" wrap="nowrap">
      {rowWritable && (
        <Switch
          checked={c.enabled}
          onChange={(e) => onToggle(e.currentTarget.checked)}
          aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
        />
      )}
      <Badge color={c.enabled ? 'blue' : 'gray'} variant="light" style={{ flexShrink: 0 }}>
        {c.enabled ? 'Enabled' : 'Disabled'}
      </Badge>
      {c.tokenDue && due && (
        <Tooltip label={`${formatDateTime(c.tokenDue.at)}: see the Tokens tab`}>
          <Badge color={due.past ? 'red' : 'orange'} variant="light" style={{ flexShrink: 0 }}>
            {due.text}
          </Badge>
        </Tooltip>
      )}
    </Group>
  );
}

function RowActions({
  c,
  writableEverywhere,
  limited,
  onEdit,
  onDelete,
}: {
  c: Configuration;
  writableEverywhere: boolean;
  limited: boolean;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const navigate = useNavigate();
  const rowWritable = useRowWritable(c, writableEverywhere, limited);
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <ActionIcon variant="subtle" aria-label={`Actions for ${c.name}`}>
          <IconDots size={18} />
        </ActionIcon>
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Item onClick={() => navigate(`/configurations/${c.id}`)}>Open</Menu.Item>
        {rowWritable && (
          <Menu.Item leftSection={<IconPencil size={16} />} onClick={onEdit}>
            Edit
          </Menu.Item>
        )}
        {rowWritable && (
          <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={onDelete}>
            Delete
          </Menu.Item>
        )}
      </Menu.Dropdown>
    </Menu>
  );
}
