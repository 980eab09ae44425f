import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Group,
  NumberInput,
  Paper,
  PasswordInput,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describe, unwrap, type Schemas } from '../../api/client';
import { rolesText, useMe } from '../../api/me';
import { CopyField } from '../../components/CopyField';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

type Session = Schemas['SessionView'];
type ApiToken = Schemas['ApiToken'];

const mySessionsKey = ['me', 'sessions'] as const;
const myTokensKey = ['me', 'api-tokens'] as const;

/** Sessions as a table; `onEnd` ends one. */
export function SessionsTable({ sessions, onEnd }: { sessions: Session[]; onEnd: (id: string) => void }) {
  if (sessions.length === 0) return <Text c="dimmed">No open session.</Text>;
  const columns: DataColumn<Session>[] = [
    {
      id: 'opened',
      header: 'Signed in',
      accessorFn: (s) => s.opened,
      enableGlobalFilter: false,
      cell: ({ row }) => formatDateTime(row.original.opened),
    },
    { id: 'via', header: 'By', accessorFn: (s) => s.via },
    { id: 'source', header: 'From', accessorFn: (s) => s.source },
    { id: 'browser', header: 'Browser', accessorFn: (s) => s.userAgent ?? '—' },
    {
      id: 'seen',
      header: 'Last seen',
      accessorFn: (s) => s.seen,
      enableGlobalFilter: false,
      cell: ({ row }) => formatDateTime(row.original.seen),
    },
    {
      id: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      ...controls,
      cell: ({ row: { original: s } }) =>
        s.current ? (
          <Badge variant="light">This session</Badge>
        ) : (
          <Button size="xs" variant="default" color="red" onClick={() => onEnd(s.id)}>
            End session {s.id}
          </Button>
        ),
    },
  ];
  return (
    <DataTable
      label="Open sessions"
      data={sessions}
      columns={columns}
      rowKey={(s) => s.id}
      filterPlaceholder="Filter by sign-in, address or browser"
      initialSort={[{ id: 'seen', desc: true }]}
      minWidth={720}
    />
  );
}

/** A token's state in words. */
function tokenState(t: ApiToken): { label: string; color: string } {
  if (t.revoked) return { label: 'Revoked', color: 'gray' };
  if (new Date(t.expires).getTime() <= Date.now()) return { label: 'Expired', color: 'gray' };
  return { label: 'Active', color: 'teal' };
}

/** Personal API tokens as a table; `onRevoke` revokes one. */
export function ApiTokensTable({ tokens, onRevoke }: { tokens: ApiToken[]; onRevoke: (id: string) => void }) {
  if (tokens.length === 0) return <Text c="dimmed">No personal API token.</Text>;
  const columns: DataColumn<ApiToken>[] = [
    {
      id: 'name',
      header: 'Name',
      accessorFn: (t) => `${t.name} ${t.id}`,
      enableHiding: false,
      cell: ({ row: { original: t } }) => (
        <>
          {t.name}{' '}
          <Text span c="dimmed" size="xs">
            {t.id}
          </Text>
        </>
      ),
    },
    { id: 'roles', header: 'Roles', accessorFn: (t) => t.roles.join(', ') },
    {
      id: 'state',
      header: 'State',
      accessorFn: (t) => tokenState(t).label,
      cell: ({ row: { original: t } }) => (
        <Badge color={tokenState(t).color} variant="light">
          {tokenState(t).label}
        </Badge>
      ),
    },
    {
      id: 'expires',
      header: 'Expires',
      accessorFn: (t) => t.expires,
      enableGlobalFilter: false,
      cell: ({ row }) => formatDateTime(row.original.expires),
    },
    {
      id: 'lastUsed',
      header: 'Last used',
      accessorFn: (t) => t.lastUsed ?? '',
      enableGlobalFilter: false,
      cell: ({ row: { original: t } }) => (t.lastUsed ? formatDateTime(t.lastUsed) : 'never'),
    },
    {
      id: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      ...controls,
      cell: ({ row: { original: t } }) =>
        tokenState(t).label === 'Active' && (
          <Button size="xs" variant="default" color="red" onClick={() => onRevoke(t.id)}>
            Revoke {t.name}
          </Button>
        ),
    },
  ];
  return (
    <DataTable
      label="Personal API tokens"
      data={tokens}
      columns={columns}
      rowKey={(t) => t.id}
      filterPlaceholder="Filter by name, role or state"
      initialSort={[{ id: 'expires', desc: false }]}
      minWidth={720}
    />
  );
}

/** Setting a password with an authenticator app's TOTP as the second factor. */
function PasswordSetup({ hasPassword }: { hasPassword: boolean }) {
  const client = useQueryClient();
  const [totp, setTotp] = useState<Schemas['TotpView'] | null>(null);
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const start = useMutation({
    mutationFn: () => unwrap(api.POST('/api/me/totp')),
    onSuccess: (view) => {
      setTotp(view);
      setError(null);
    },
    onError: (e) => setError(describe(e)),
  });
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/me/password', {
          body: { password, totpSecret: totp?.secret ?? '', code: code.trim() },
        }),
      ),
    onSuccess: () => {
      setTotp(null);
      setPassword('');
      setCode('');
      setError(null);
      notifications.show({ color: 'teal', message: 'Password and authenticator saved: sign in with them next time.' });
      return client.invalidateQueries({ queryKey: ['me'] });
    },
    onError: (e) => setError(describe(e)),
  });
  return (
    <Stack>
      <Text>
        {hasPassword
          ? 'You sign in with your email, a password and a code from your authenticator app. Setting them again replaces both.'
          : 'You have no password yet: set one, with an authenticator app (Microsoft Authenticator, Google Authenticator, 1Password…) for the code that goes with it.'}
      </Text>
      {error && (
        <Alert color="red" title="Not saved">
          {error}
        </Alert>
      )}
      {!totp ? (
        <Group>
          <Button onClick={() => start.mutate()} loading={start.isPending}>
            {hasPassword ? 'Set a new password and authenticator' : 'Set a password'}
          </Button>
        </Group>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Stack>
            <Text size="sm">
              1. Add this key to your authenticator app (type it in, or open the link on the device that holds the app).
            </Text>
            <CopyField label="Authenticator key" value={totp.secret} testId="totp-secret" />
            <Text size="sm">
              <a href={totp.uri}>Open in an authenticator app</a>
            </Text>
            <PasswordInput
              label="2. New password"
              description="12 characters at least"
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
              required
            />
            <TextInput
              label="3. Code the app shows"
              inputMode="numeric"
              autoComplete="one-time-code"
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
              required
            />
            <Group>
              <Button type="submit" loading={save.isPending}>
                Save password and authenticator
              </Button>
              <Button variant="default" onClick={() => setTotp(null)}>
                Cancel
              </Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}

/** Creating a personal API token: a name, roles among mine, a lifetime; the secret shown once. */
function NewApiToken({ roles }: { roles: Schemas['Role'][] }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>(roles);
  const [days, setDays] = useState<number | string>(90);
  const [issued, setIssued] = useState<Schemas['IssuedApiTokenView'] | null>(null);
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/me/api-tokens', {
          body: { name, roles: chosen as Schemas['Role'][], days: Number(days) },
        }),
      ),
    onSuccess: (view) => {
      setIssued(view);
      setName('');
      return client.invalidateQueries({ queryKey: myTokensKey });
    },
  });
  return (
    <Stack>
      {issued && (
        <Alert color="teal" title={`Token “${issued.token.name}” created`}>
          <Stack>
            <CopyField label="API token" value={issued.secret} testId="api-token-secret" />
            <Text size="sm">
              It is shown only now. Use it as <code>Authorization: Bearer …</code> or in SCIM_CONSOLE_API_TOKEN.
            </Text>
          </Stack>
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Group align="flex-end">
          <TextInput
            label="Token name"
            placeholder="nightly export"
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            required
          />
          <Checkbox.Group label="Roles it carries" value={chosen} onChange={setChosen}>
            <Group mt={8}>
              {roles.map((r) => (
                <Checkbox key={r} value={r} label={r} />
              ))}
            </Group>
          </Checkbox.Group>
          <NumberInput label="Days" min={1} max={366} value={days} onChange={setDays} w={100} />
          <Button type="submit" loading={create.isPending}>
            Create token
          </Button>
        </Group>
      </form>
      {create.isError && <ErrorNotice error={create.error} title="The token was not created" />}
    </Stack>
  );
}

/** My account: who I am, my password and authenticator, my sessions, my API tokens. */
export function AccountPage() {
  const client = useQueryClient();
  const me = useMe();
  const administrator = me.data?.administrator;
  const sessions = useQuery({
    queryKey: mySessionsKey,
    queryFn: () => unwrap(api.GET('/api/me/sessions')),
    enabled: !!administrator,
  });
  const tokens = useQuery({
    queryKey: myTokensKey,
    queryFn: () => unwrap(api.GET('/api/me/api-tokens')),
    enabled: !!administrator,
  });
  const end = useMutation({
    mutationFn: (session: string) =>
      unwrap(api.DELETE('/api/me/sessions/{session}', { params: { path: { session } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: mySessionsKey }),
    onError: (e) => notifications.show({ color: 'red', message: describe(e) }),
  });
  const revoke = useMutation({
    mutationFn: (token: string) => unwrap(api.DELETE('/api/me/api-tokens/{token}', { params: { path: { token } } })),
    onSuccess: () => client.invalidateQueries({ queryKey: myTokensKey }),
    onError: (e) => notifications.show({ color: 'red', message: describe(e) }),
  });
  if (me.isPending) return <Loading label="Loading your account" />;
  if (me.isError) return <ErrorNotice error={me.error} retry={() => me.refetch()} />;
  if (!administrator) {
    return (
      <Stack>
        <Title order={1} size="h2">
          My account
        </Title>
        <Alert title="Signed in with the server's admin token">
          The admin token is no one in particular: it has every right and no account. Create administrators (
          <code>scim-console admin create --email … --role owner</code>) and sign in as one to have sessions, a password
          and API tokens of your own.
        </Alert>
      </Stack>
    );
  }
  return (
    <Stack>
      <Title order={1} size="h2">
        My account
      </Title>
      {administrator.email.endsWith('@scim-console.localhost') && (
        <Alert title="This computer's built-in owner">
          The desktop app signs its window in as you, the owner of the console on this computer, without a password:
          only you use this machine. What you do here is in the audit log under this name. Consoles deployed for a team
          have administrators of their own.
        </Alert>
      )}
      <Paper withBorder p="md">
        <Stack gap={4}>
          <Text fw={600}>
            {administrator.name} &lt;{administrator.email}&gt;
          </Text>
          <Text size="sm">Roles: {rolesText(administrator.grants)}</Text>
          <Text size="sm" c="dimmed">
            Signed in with a {me.data.via}.
          </Text>
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="sm">
          Password and authenticator
        </Title>
        <PasswordSetup hasPassword={administrator.password} />
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="sm">
          Sessions
        </Title>
        {sessions.isError ? (
          <ErrorNotice error={sessions.error} />
        ) : (
          <SessionsTable sessions={sessions.data ?? []} onEnd={(id) => end.mutate(id)} />
        )}
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="sm">
          Personal API tokens
        </Title>
        <Text size="sm" mb="sm">
          For scripts and the command line against this console. A token carries some or all of your roles, never more,
          and stops when revoked, when it expires or when your account is disabled.
        </Text>
        <NewApiToken roles={administrator.grants.map((g) => g.role)} />
        {tokens.isError ? (
          <ErrorNotice error={tokens.error} />
        ) : (
          <ApiTokensTable tokens={tokens.data ?? []} onRevoke={(id) => revoke.mutate(id)} />
        )}
      </Paper>
    </Stack>
  );
}
