import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  MultiSelect,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconDots, IconUserPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { api, describe, unwrap, type Schemas } from '../../api/client';
import { useMe } from '../../api/me';
import { useConfigurations } from '../../api/queries';
import { Confirm } from '../../components/Confirm';
import { CopyField } from '../../components/CopyField';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';
import { ApiTokensTable, SessionsTable } from '../account/AccountPage';

type Administrator = Schemas['Administrator'];
type Role = Schemas['Role'];
type Grant = Schemas['Grant'];

const administratorsKey = ['administrators'] as const;

/** What each role may do, in a line (docs/administrators.md has the whole table). */
export const roleHelp: Record<Role, string> = {
  owner: 'everything, administrators and server settings included',
  security: 'SCIM tokens, OAuth clients, token policy, audit log; reads the rest',
  editor: 'configurations, mapping plans, directory, targets, runs; never sees a token',
  viewer: 'reads, provisioning logs included',
};
const roles: Role[] = ['owner', 'security', 'editor', 'viewer'];

/** Grants from the form: each role, on the chosen configurations (none: all of them). */
export function grantsOf(chosen: string[], configurations: string[]): Grant[] {
  return chosen.map((role) => ({
    role: role as Role,
    configurations: configurations.length > 0 && role !== 'owner' ? configurations : undefined,
  }));
}

/** Roles and the configurations they are limited to. */
function GrantsFields({
  chosen,
  setChosen,
  configurations,
  setConfigurations,
}: {
  chosen: string[];
  setChosen: (v: string[]) => void;
  configurations: string[];
  setConfigurations: (v: string[]) => void;
}) {
  const all = useConfigurations();
  return (
    <>
      <Checkbox.Group label="Roles" value={chosen} onChange={setChosen} required>
        <Stack gap={6} mt={6}>
          {roles.map((r) => (
            <Checkbox key={r} value={r} label={`${r}: ${roleHelp[r]}`} />
          ))}
        </Stack>
      </Checkbox.Group>
      <MultiSelect
        label="Limit to configurations"
        description="Leave empty for every configuration. The owner role always covers the whole server."
        data={(all.data ?? []).map((c) => ({ value: c.id, label: c.name }))}
        value={configurations}
        onChange={setConfigurations}
        searchable
        clearable
      />
    </>
  );
}

/** A sign-in link to hand over, shown once. */
function LinkNotice({ link, email }: { link: Schemas['SignInLinkView']; email: string }) {
  return (
    <Alert color="teal" title={`Sign-in link for ${email}`}>
      <Stack>
        <CopyField label="Sign-in link" value={link.url} testId="sign-in-link" />
        <Text size="sm">
          It works once, until {formatDateTime(link.expires)}, and is shown only now. Send it over a channel you trust.
        </Text>
      </Stack>
    </Alert>
  );
}

function InviteModal({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>(['viewer']);
  const [configurations, setConfigurations] = useState<string[]>([]);
  const invite = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/administrators', { body: { email, name, grants: grantsOf(chosen, configurations) } })),
    onSuccess: () => client.invalidateQueries({ queryKey: administratorsKey }),
  });
  const close = () => {
    invite.reset();
    setEmail('');
    setName('');
    setChosen(['viewer']);
    setConfigurations([]);
    onClose();
  };
  return (
    <Modal
      opened={opened}
      onClose={close}
      title="Invite an administrator"
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      {invite.data ? (
        <Stack>
          <LinkNotice link={invite.data.link} email={invite.data.administrator.email} />
          <Button onClick={close}>Done</Button>
        </Stack>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            invite.mutate();
          }}
        >
          <Stack>
            <TextInput label="Email" value={email} onChange={(e) => setEmail(e.currentTarget.value)} required />
            <TextInput
              label="Name"
              description="Default: the email's local part"
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            <GrantsFields
              chosen={chosen}
              setChosen={setChosen}
              configurations={configurations}
              setConfigurations={setConfigurations}
            />
            {invite.isError && <ErrorNotice error={invite.error} title="Not invited" />}
            <Group justify="flex-end">
              <Button type="submit" loading={invite.isPending}>
                Invite
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Modal>
  );
}

function RolesModal({ administrator, onClose }: { administrator: Administrator; onClose: () => void }) {
  const client = useQueryClient();
  const [chosen, setChosen] = useState<string[]>(administrator.grants.map((g) => g.role));
  const [configurations, setConfigurations] = useState<string[]>(
    administrator.grants.find((g) => g.configurations)?.configurations ?? [],
  );
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PATCH('/api/administrators/{admin}', {
          params: { path: { admin: administrator.id } },
          body: { grants: grantsOf(chosen, configurations) },
        }),
      ),
    onSuccess: () => {
      onClose();
      return client.invalidateQueries({ queryKey: administratorsKey });
    },
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Roles of ${administrator.email}`}
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Stack>
          <GrantsFields
            chosen={chosen}
            setChosen={setChosen}
            configurations={configurations}
            setConfigurations={setConfigurations}
          />
          {save.isError && <ErrorNotice error={save.error} title="Roles not changed" />}
          <Group justify="flex-end">
            <Button type="submit" loading={save.isPending}>
              Save roles
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** An administrator's sessions and API tokens, each of which an owner can end. */
function AccessModal({ administrator, onClose }: { administrator: Administrator; onClose: () => void }) {
  const client = useQueryClient();
  const path = { params: { path: { admin: administrator.id } } };
  const sessionsKey = [...administratorsKey, administrator.id, 'sessions'];
  const tokensKey = [...administratorsKey, administrator.id, 'api-tokens'];
  const sessions = useQuery({
    queryKey: sessionsKey,
    queryFn: () => unwrap(api.GET('/api/administrators/{admin}/sessions', path)),
  });
  const tokens = useQuery({
    queryKey: tokensKey,
    queryFn: () => unwrap(api.GET('/api/administrators/{admin}/api-tokens', path)),
  });
  const end = useMutation({
    mutationFn: (session: string) =>
      unwrap(
        api.DELETE('/api/administrators/{admin}/sessions/{session}', {
          params: { path: { admin: administrator.id, session } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: sessionsKey }),
    onError: (e) => notifications.show({ color: 'red', message: describe(e) }),
  });
  const revoke = useMutation({
    mutationFn: (token: string) =>
      unwrap(
        api.DELETE('/api/administrators/{admin}/api-tokens/{token}', {
          params: { path: { admin: administrator.id, token } },
        }),
      ),
    onSuccess: () => client.invalidateQueries({ queryKey: tokensKey }),
    onError: (e) => notifications.show({ color: 'red', message: describe(e) }),
  });
  return (
    <Modal
      opened
      onClose={onClose}
      title={`Sessions and API tokens of ${administrator.email}`}
      size="xl"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack>
        <Title order={3} size="h4">
          Sessions
        </Title>
        {sessions.isError ? (
          <ErrorNotice error={sessions.error} />
        ) : (
          <SessionsTable sessions={sessions.data ?? []} onEnd={(id) => end.mutate(id)} />
        )}
        <Title order={3} size="h4">
          Personal API tokens
        </Title>
        {tokens.isError ? (
          <ErrorNotice error={tokens.error} />
        ) : (
          <ApiTokensTable tokens={tokens.data ?? []} onRevoke={(id) => revoke.mutate(id)} />
        )}
      </Stack>
    </Modal>
  );
}

type Dialog =
  | { kind: 'roles' | 'access' | 'reset'; administrator: Administrator }
  | { kind: 'link'; email: string; link: Schemas['SignInLinkView'] }
  | null;

/** The console's administrators: invite, roles, disable and enable, links, sessions and tokens. */
export function AdministratorsPage() {
  const client = useQueryClient();
  const me = useMe();
  const [inviting, setInviting] = useState(false);
  const [dialog, setDialog] = useState<Dialog>(null);
  const list = useQuery({ queryKey: administratorsKey, queryFn: () => unwrap(api.GET('/api/administrators')) });
  const configurations = useConfigurations();
  const names = new Map((configurations.data ?? []).map((c) => [c.id, c.name]));
  const onError = (e: unknown) => notifications.show({ color: 'red', title: 'Not done', message: describe(e) });
  const setEnabled = useMutation({
    mutationFn: ({ id, enabled }: { id: string; enabled: boolean }) =>
      unwrap(api.PATCH('/api/administrators/{admin}', { params: { path: { admin: id } }, body: { enabled } })),
    onSuccess: () => client.invalidateQueries({ queryKey: administratorsKey }),
    onError,
  });
  const link = useMutation({
    mutationFn: (a: Administrator) =>
      unwrap(api.POST('/api/administrators/{admin}/sign-in-link', { params: { path: { admin: a.id } } })),
    onSuccess: (view, a) => setDialog({ kind: 'link', email: a.email, link: view }),
    onError,
  });
  const reset = useMutation({
    mutationFn: (a: Administrator) =>
      unwrap(api.DELETE('/api/administrators/{admin}/password', { params: { path: { admin: a.id } } })),
    onSuccess: () => {
      setDialog(null);
      return client.invalidateQueries({ queryKey: administratorsKey });
    },
    onError,
  });
  const grantsText = (grants: Grant[]) =>
    grants
      .map((g) =>
        g.configurations?.length ? `${g.role} (${g.configurations.map((c) => names.get(c) ?? c).join(', ')})` : g.role,
      )
      .join(', ');

  if (list.isPending) return <Loading label="Loading the administrators" />;
  if (list.isError) return <ErrorNotice error={list.error} retry={() => list.refetch()} />;
  const writable = me.data?.areas.some((a) => a.area === 'administrators' && a.write) ?? false;
  const columns: DataColumn<Administrator>[] = [
    {
      id: 'name',
      header: 'Administrator',
      accessorFn: (a) => `${a.name} ${a.email}`,
      enableHiding: false,
      cell: ({ row: { original: a } }) => (
        <>
          <Text fw={500}>{a.name}</Text>
          <Text size="sm" c="dimmed">
            {a.email}
          </Text>
        </>
      ),
    },
    { id: 'roles', header: 'Roles', accessorFn: (a) => grantsText(a.grants) },
    {
      id: 'state',
      header: 'State',
      accessorFn: (a) => a.state,
      cell: ({ row: { original: a } }) => (
        <Badge color={a.state === 'active' ? 'teal' : 'gray'} variant="light" miw="fit-content">
          {a.state}
        </Badge>
      ),
    },
    { id: 'signIn', header: 'Sign-in', accessorFn: (a) => (a.password ? 'password + authenticator' : 'sign-in link') },
    {
      id: 'created',
      header: 'Created',
      accessorFn: (a) => a.created,
      enableGlobalFilter: false,
      cell: ({ row: { original: a } }) => `${formatDateTime(a.created)} by ${a.createdBy}`,
    },
    {
      id: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      ...controls,
      cell: ({ row: { original: a } }) => (
        <>
          {writable && (
            <Menu position="bottom-end">
              <Menu.Target>
                <Button size="xs" variant="default" rightSection={<IconDots size={14} />}>
                  Manage {a.email}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                <Menu.Item onClick={() => setDialog({ kind: 'roles', administrator: a })}>Change roles</Menu.Item>
                <Menu.Item onClick={() => setDialog({ kind: 'access', administrator: a })}>
                  Sessions and API tokens
                </Menu.Item>
                <Menu.Item disabled={a.state !== 'active'} onClick={() => link.mutate(a)}>
                  New sign-in link
                </Menu.Item>
                <Menu.Item disabled={!a.password} onClick={() => setDialog({ kind: 'reset', administrator: a })}>
                  Reset password
                </Menu.Item>
                <Menu.Item
                  color={a.state === 'active' ? 'red' : undefined}
                  onClick={() => setEnabled.mutate({ id: a.id, enabled: a.state !== 'active' })}
                >
                  {a.state === 'active' ? 'Disable' : 'Enable'}
                </Menu.Item>
              </Menu.Dropdown>
            </Menu>
          )}
        </>
      ),
    },
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Administrators
        </Title>
        {writable && (
          <Button leftSection={<IconUserPlus size={18} />} onClick={() => setInviting(true)}>
            Invite administrator
          </Button>
        )}
      </Group>
      <Text c="dimmed">
        Who may use this console and with which roles. Every change they make is in the audit log under their name.
      </Text>
      {list.data.length === 0 ? (
        <EmptyState title="No administrators yet">
          Invite the first one here, or run <code>scim-console admin create --email … --role owner</code>.
        </EmptyState>
      ) : (
        <DataTable
          label="Administrators"
          data={list.data}
          columns={columns}
          rowKey={(a) => a.id}
          filterPlaceholder="Filter by name, email, role or state"
          initialSort={[{ id: 'name', desc: false }]}
          minWidth={820}
        />
      )}
      <InviteModal opened={inviting} onClose={() => setInviting(false)} />
      {dialog?.kind === 'roles' && <RolesModal administrator={dialog.administrator} onClose={() => setDialog(null)} />}
      {dialog?.kind === 'access' && (
        <AccessModal administrator={dialog.administrator} onClose={() => setDialog(null)} />
      )}
      {dialog?.kind === 'link' && (
        <Modal
          opened
          onClose={() => setDialog(null)}
          title="New sign-in link"
          size="lg"
          closeButtonProps={{ 'aria-label': 'Close' }}
        >
          <LinkNotice link={dialog.link} email={dialog.email} />
        </Modal>
      )}
      <Confirm
        opened={dialog?.kind === 'reset'}
        title="Reset the password?"
        confirmLabel="Reset password"
        loading={reset.isPending}
        onConfirm={() => dialog?.kind === 'reset' && reset.mutate(dialog.administrator)}
        onCancel={() => setDialog(null)}
      >
        {dialog?.kind === 'reset'
          ? `${dialog.administrator.email} will no longer sign in with a password and authenticator. Send a new sign-in link so they can set new ones.`
          : ''}
      </Confirm>
    </Stack>
  );
}
