import {
  ActionIcon,
  Anchor,
  Badge,
  Button,
  Group,
  Menu,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
  VisuallyHidden,
} from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconCopy, IconDots, IconPencil, IconPlus, IconSearch, IconTrash } from '@tabler/icons-react';
import { useMemo, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { describe, type Configuration } from '../api/client';
import { useConfigurations, useDeleteConfiguration, useUpdateConfiguration } from '../api/queries';
import { may, useMe } from '../api/me';
import { EmptyState, ErrorNotice, Loading } from '../components/States';
import { Confirm } from '../components/Confirm';
import { formatDateTime, relative } from '../format';
import { copyText } from '../native';
import { ConfigureDrawer } from './ConfigureDrawer';

/** Whether a configuration matches a search (name, description, slug; any case). */
export function matches(c: Configuration, search: string): boolean {
  const q = search.trim().toLowerCase();
  return !q || [c.name, c.description, c.slug].some((v) => v.toLowerCase().includes(q));
}

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
  const [search, setSearch] = useState('');
  const [drawer, { open, close }] = useDisclosure(false);
  const [editing, setEditing] = useState<Configuration | undefined>();
  const [deleting, setDeleting] = useState<Configuration | undefined>();
  const shown = useMemo(() => (list.data ?? []).filter((c) => matches(c, search)), [list.data, search]);

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
      <TextInput
        placeholder="Search by name or description"
        aria-label="Search configurations"
        leftSection={<IconSearch size={16} />}
        value={search}
        onChange={(e) => setSearch(e.currentTarget.value)}
        maw={420}
      />
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
      ) : shown.length === 0 ? (
        <Text c="dimmed">No configuration matches “{search}”.</Text>
      ) : (
        <Table.ScrollContainer minWidth={760}>
          <Table highlightOnHover verticalSpacing="sm" aria-label="SCIM configurations">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Name</Table.Th>
                <Table.Th>Provisions</Table.Th>
                <Table.Th>SCIM base URL</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>
                  <VisuallyHidden>Actions</VisuallyHidden>
                </Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {shown.map((c) => (
                <ConfigurationRow
                  key={c.id}
                  configuration={c}
                  writableEverywhere={writable}
                  limited={limited}
                  onToggle={(enabled) => toggle(c, enabled)}
                  onEdit={() => {
                    setEditing(c);
                    open();
                  }}
                  onDelete={() => setDeleting(c)}
                />
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
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

/** One configuration's row: its status switch and changes offered when the caller may change it. */
function ConfigurationRow({
  configuration: c,
  writableEverywhere,
  limited,
  onToggle,
  onEdit,
  onDelete,
}: {
  configuration: Configuration;
  writableEverywhere: boolean;
  limited: boolean;
  onToggle: (enabled: boolean) => void;
  onEdit: () => void;
  onDelete: () => void;
}) {
  const navigate = useNavigate();
  // The caller's rights on this configuration, asked only for a role limited to some.
  const scoped = useMe(limited ? c.id : undefined).data;
  const rowWritable = writableEverywhere || (limited && may(scoped, 'configurations', 'write'));
  const due = tokenDue(c.tokenDue);
  return (
    <Table.Tr>
      <Table.Td>
        <Anchor component={Link} to={`/configurations/${c.id}`} fw={600}>
          {c.name}
        </Anchor>
        {c.description && (
          <Text size="sm" c="dimmed" lineClamp={1}>
            {c.description}
          </Text>
        )}
      </Table.Td>
      <Table.Td>{provisions(c)}</Table.Td>
      <Table.Td>
        <Group gap={4} wrap="nowrap">
          <Text size="sm" ff="monospace" truncate maw={320}>
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
      </Table.Td>
      <Table.Td>
        <Group gap="xs" wrap="nowrap">
          {rowWritable && (
            <Switch
              checked={c.enabled}
              onChange={(e) => onToggle(e.currentTarget.checked)}
              aria-label={`${c.enabled ? 'Disable' : 'Enable'} ${c.name}`}
            />
          )}
          <Badge color={c.enabled ? 'green' : 'gray'} variant="light">
            {c.enabled ? 'Enabled' : 'Disabled'}
          </Badge>
          {c.tokenDue && due && (
            <Tooltip label={`${formatDateTime(c.tokenDue.at)}: see the Tokens tab`}>
              <Badge color={due.past ? 'red' : 'orange'} variant="light">
                {due.text}
              </Badge>
            </Tooltip>
          )}
        </Group>
      </Table.Td>
      <Table.Td>
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
      </Table.Td>
    </Table.Tr>
  );
}
