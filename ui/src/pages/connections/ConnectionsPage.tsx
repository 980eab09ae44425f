import {
  Alert,
  Badge,
  Button,
  Checkbox,
  Code,
  ColorSwatch,
  Group,
  Paper,
  PasswordInput,
  Radio,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconExternalLink, IconShieldCheck, IconShieldExclamation, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import {
  connectionError,
  connections,
  isDesktop,
  type Connection,
  type ConnectionError,
  type Probe,
} from '../../native';

/** What each colour is called (the shell offers these, dark enough for white text). */
const colourNames: Record<string, string> = {
  '#c92a2a': 'Red',
  '#d9480f': 'Orange',
  '#2b8a3e': 'Green',
  '#1864ab': 'Blue',
  '#5f3dc4': 'Violet',
  '#495057': 'Grey',
};

function certificateText(c: Connection): string {
  return c.trust === 'system' ? 'Trusted by this computer' : `Pinned: ${c.trust.pinned}`;
}

/** A fingerprint's first and last bytes (`CA:A0:9D…BA:49`): enough to tell two apart at a glance. */
export function shortFingerprint(fingerprint: string): string {
  const bytes = fingerprint.split(':');
  return bytes.length > 6 ? `${bytes.slice(0, 3).join(':')}…${bytes.slice(-2).join(':')}` : fingerprint;
}

/** While the browser signs in: the address to open (should no browser have come up), and a way out. */
function BrowserWait({ provider, at }: { provider: string; at: { url: string; opened: boolean } }) {
  return (
    <Alert color="blue" title={`Finish signing in with ${provider} in your browser`}>
      <Stack gap="xs">
        <Text size="sm">
          {at.opened
            ? 'If no browser window came up, open this address:'
            : 'No browser could be opened here: open this address in one.'}
        </Text>
        <Code block data-testid="sign-in-address" style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>
          {at.url}
        </Code>
        <Group>
          <Button size="xs" variant="default" onClick={() => void connections.signInCancel()}>
            Cancel the sign-in
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

/** A connection whose token was refused (expired, revoked) signs in again: in the browser, or with a new token. */
function SignInAgain({ connection, onDone }: { connection: Connection; onDone: (c: Connection) => void }) {
  const probe = useQuery({
    queryKey: ['connection-probe', connection.url],
    queryFn: () => connections.probe(connection.url),
    retry: false,
  });
  const provider = probe.data?.provider ?? null;
  const [token, setToken] = useState('');
  const [browserAt, setBrowserAt] = useState<{ url: string; opened: boolean } | null>(null);
  const [error, setError] = useState<ConnectionError | null>(null);
  const again = useMutation({
    mutationFn: async () => {
      const started = await connections.signInAgainStart(connection.id);
      setBrowserAt(started);
      return connections.signInFinish();
    },
    onMutate: () => {
      setError(null);
      setBrowserAt(null);
    },
    onSuccess: onDone,
    onError: (e) => {
      setBrowserAt(null);
      setError(connectionError(e));
    },
  });
  const save = useMutation({
    mutationFn: () => connections.setToken(connection.id, token),
    onMutate: () => setError(null),
    onSuccess: onDone,
    onError: (e) => setError(connectionError(e)),
  });
  return (
    <Stack gap="xs" data-testid="sign-in-again">
      <Text size="sm" fw={600}>
        Sign in to {connection.name} again
      </Text>
      {provider !== null && (
        <>
          <Group>
            <Button size="xs" loading={again.isPending} onClick={() => again.mutate()}>
              Sign in again with {provider}
            </Button>
          </Group>
          {browserAt && <BrowserWait provider={provider} at={browserAt} />}
        </>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
        }}
      >
        <Group align="flex-end">
          <PasswordInput
            label="New API token"
            description="From that console's Account page; it replaces the old one in this computer's keychain"
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            autoComplete="off"
            style={{ flex: 1 }}
          />
          <Button type="submit" size="sm" variant="default" loading={save.isPending} disabled={!token.trim()}>
            Save the new token
          </Button>
        </Group>
      </form>
      {error && (
        <Text size="sm" c="red">
          {error.message}
        </Text>
      )}
    </Stack>
  );
}

/** The form that adds a connection: the console looked at first (no secret sent), then the token. */
function AddConnection({ colours, onAdded }: { colours: string[]; onAdded: () => void }) {
  const [url, setUrl] = useState('');
  const [probe, setProbe] = useState<Probe | null>(null);
  const [confirmed, setConfirmed] = useState(false);
  const [name, setName] = useState('');
  const [colour, setColour] = useState(colours[0] ?? '');
  const [token, setToken] = useState('');
  const [method, setMethod] = useState<'browser' | 'token'>('browser');
  const [browserAt, setBrowserAt] = useState<{ url: string; opened: boolean } | null>(null);
  const [error, setError] = useState<ConnectionError | null>(null);
  const check = useMutation({
    mutationFn: () => connections.probe(url),
    onMutate: () => {
      setError(null);
      setProbe(null);
      setConfirmed(false);
    },
    onSuccess: setProbe,
    onError: (e) => setError(connectionError(e)),
  });
  const pin = probe?.certificate && !probe.certificate.systemTrusted ? probe.certificate.fingerprint : undefined;
  const added = () => {
    setUrl('');
    setProbe(null);
    setConfirmed(false);
    setName('');
    setToken('');
    setBrowserAt(null);
    onAdded();
  };
  const add = useMutation({
    mutationFn: () => connections.add({ name, colour, url, token, fingerprint: pin }),
    onMutate: () => setError(null),
    onSuccess: added,
    onError: (e) => setError(connectionError(e)),
  });
  // Signing in in the browser: the console's page opened, then the app waits for it to come back.
  const signIn = useMutation({
    mutationFn: async () => {
      const started = await connections.signInStart({ name, colour, url, fingerprint: pin });
      setBrowserAt(started);
      return connections.signInFinish();
    },
    onMutate: () => {
      setError(null);
      setBrowserAt(null);
    },
    onSuccess: added,
    onError: (e) => {
      setBrowserAt(null);
      setError(connectionError(e));
    },
  });
  const provider = probe?.provider ?? null;
  const byBrowser = provider !== null && method === 'browser';
  const fieldError = (field: ConnectionError['field']) => (error?.field === field ? error.message : undefined);
  const ready = probe !== null && (pin === undefined || confirmed);
  return (
    <Paper withBorder p="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!ready) check.mutate();
          else if (byBrowser) signIn.mutate();
          else add.mutate();
        }}
      >
        <Stack>
          <Title order={2} size="h4">
            Add a connection
          </Title>
          <Group align="flex-end">
            <TextInput
              label="Address"
              description="The console's https:// address, as `scim-console serve` printed it"
              placeholder="https://scim.contoso.com"
              value={url}
              onChange={(e) => {
                setUrl(e.currentTarget.value);
                setProbe(null);
                setConfirmed(false);
              }}
              error={fieldError('url')}
              style={{ flex: 1 }}
              required
            />
            <Button variant="default" onClick={() => check.mutate()} loading={check.isPending} disabled={!url.trim()}>
              Check the console
            </Button>
          </Group>
          {probe && (
            <Stack gap="xs" data-testid="probe">
              <Text size="sm">
                A SCIM Console, version <strong>{probe.version}</strong>.
              </Text>
              {probe.certificate === null ? (
                <Text size="sm">Plain HTTP to this computer: nothing crosses a network.</Text>
              ) : probe.certificate.systemTrusted ? (
                <Group gap="xs">
                  <IconShieldCheck size={18} color="var(--mantine-color-green-7)" aria-hidden />
                  <Text size="sm">Its certificate is trusted by this computer.</Text>
                </Group>
              ) : (
                <Alert
                  color="yellow"
                  icon={<IconShieldExclamation />}
                  title="A certificate this computer does not trust"
                >
                  <Stack gap="xs">
                    <Text size="sm">
                      A self-signed certificate, most likely from <Code>scim-console serve --tls-self-signed</Code>.
                      Compare its SHA-256 fingerprint with the one the server printed (“TLS certificate SHA-256”): if
                      they differ, someone may be in between.
                    </Text>
                    <Code block data-testid="presented-fingerprint">
                      {probe.certificate.fingerprint}
                    </Code>
                    <Checkbox
                      label="I compared it: trust this certificate for this connection"
                      checked={confirmed}
                      onChange={(e) => setConfirmed(e.currentTarget.checked)}
                    />
                  </Stack>
                </Alert>
              )}
            </Stack>
          )}
          {ready && (
            <>
              <TextInput
                label="Name"
                description="What this console is to you: Production, QA…"
                value={name}
                onChange={(e) => setName(e.currentTarget.value)}
                error={fieldError('name')}
                required
              />
              <Radio.Group
                label="Colour"
                description="The bar at the bottom of the window takes it, so production is never mistaken for QA"
                value={colour}
                onChange={setColour}
                error={fieldError('colour')}
              >
                <Group mt="xs">
                  {colours.map((c) => (
                    <Radio
                      key={c}
                      value={c}
                      label={
                        <Group gap={6} wrap="nowrap">
                          <ColorSwatch color={c} size={16} aria-hidden />
                          {colourNames[c] ?? c}
                        </Group>
                      }
                    />
                  ))}
                </Group>
              </Radio.Group>
              {provider !== null && (
                <Stack gap={4}>
                  <Text size="sm" fw={500} id="sign-in-method">
                    Sign in
                  </Text>
                  <SegmentedControl
                    aria-labelledby="sign-in-method"
                    value={method}
                    onChange={(v) => setMethod(v as 'browser' | 'token')}
                    data={[
                      { value: 'browser', label: `With ${provider}, in the browser` },
                      { value: 'token', label: 'With a personal API token' },
                    ]}
                  />
                </Stack>
              )}
              {byBrowser ? (
                <>
                  <Text size="sm" c="dimmed">
                    Your browser opens the console&apos;s sign-in with {provider}. Once it knows you, this computer gets
                    a personal API token of its own, named for it (90 days, your roles), kept in its keychain; revoke it
                    on that console&apos;s Account page.
                  </Text>
                  {browserAt && <BrowserWait provider={provider} at={browserAt} />}
                  <Group>
                    <Button type="submit" loading={signIn.isPending}>
                      Sign in with {provider}
                    </Button>
                  </Group>
                </>
              ) : (
                <>
                  <PasswordInput
                    label="API token"
                    description="A personal API token from that console's Account page; it is kept in this computer's keychain, never in a file"
                    value={token}
                    onChange={(e) => setToken(e.currentTarget.value)}
                    error={fieldError('token')}
                    autoComplete="off"
                    required
                  />
                  <Group>
                    <Button type="submit" loading={add.isPending}>
                      Add connection
                    </Button>
                  </Group>
                </>
              )}
            </>
          )}
          {error && (!error.field || (byBrowser && error.field === 'token')) && (
            <Alert color="red" title="The connection was refused">
              {error.message}
            </Alert>
          )}
        </Stack>
      </form>
    </Paper>
  );
}

/** The desktop app's connections to deployed consoles: add, open, remove, trust a changed certificate. */
export function ConnectionsPage() {
  const client = useQueryClient();
  const list = useQuery({ queryKey: ['connections'], queryFn: connections.list, enabled: isDesktop() });
  const [refused, setRefused] = useState<{ connection: Connection; error: ConnectionError } | null>(null);
  const [compared, setCompared] = useState(false);
  const refresh = () => client.invalidateQueries({ queryKey: ['connections'] });
  const open = useMutation({
    mutationFn: (c: Connection) => connections.open(c.id),
    onMutate: () => {
      setRefused(null);
      setCompared(false);
    },
    onError: (e, c) => setRefused({ connection: c, error: connectionError(e) }),
  });
  const trust = useMutation({
    mutationFn: ({ c, fingerprint }: { c: Connection; fingerprint: string }) => connections.trust(c.id, fingerprint),
    onSuccess: (c) => {
      void refresh();
      open.mutate(c);
    },
    onError: (e, { c }) => setRefused({ connection: c, error: connectionError(e) }),
  });
  const remove = useMutation({
    mutationFn: (c: Connection) => connections.remove(c.id),
    onSuccess: () => refresh(),
    onError: (e, c) => setRefused({ connection: c, error: connectionError(e) }),
  });

  const columns: DataColumn<Connection>[] = [
    {
      id: 'name',
      header: 'Name',
      accessorFn: (c) => c.name,
      cell: ({ row: { original: c } }) => (
        <Group gap="xs" wrap="nowrap">
          <ColorSwatch color={c.colour} size={14} aria-hidden />
          <Text size="sm" fw={600}>
            {c.name}
          </Text>
        </Group>
      ),
    },
    { id: 'url', header: 'Address', accessorFn: (c) => c.url },
    {
      id: 'certificate',
      header: 'Certificate',
      accessorFn: certificateText,
      cell: ({ row: { original: c } }) =>
        c.trust === 'system' ? (
          'Trusted by this computer'
        ) : (
          <Text size="sm" title={c.trust.pinned} data-testid="pinned">
            Pinned {shortFingerprint(c.trust.pinned)}
          </Text>
        ),
    },
    { id: 'signedInAs', header: 'Signed in as', accessorFn: (c) => c.signedInAs },
    {
      id: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      ...controls,
      cell: ({ row: { original: c } }) => (
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button
            size="xs"
            leftSection={<IconExternalLink size={14} />}
            loading={open.isPending && open.variables?.id === c.id}
            onClick={() => open.mutate(c)}
            aria-label={`Open ${c.name}`}
          >
            Open
          </Button>
          <Button
            size="xs"
            variant="subtle"
            color="red"
            leftSection={<IconTrash size={14} />}
            loading={remove.isPending && remove.variables?.id === c.id}
            onClick={() => remove.mutate(c)}
            aria-label={`Remove ${c.name}`}
          >
            Remove
          </Button>
        </Group>
      ),
    },
  ];

  const heading = (
    <div>
      <Title order={1} size="h2">
        Connections
      </Title>
      <Text c="dimmed">
        This window shows this computer&apos;s console. Add the consoles deployed with <Code>scim-console serve</Code>{' '}
        to administer them here: each signs in through its identity provider in your browser, or with your personal API
        token, kept in this computer&apos;s keychain, and shows its own pages with its name and colour in the bar at the
        bottom.
      </Text>
    </div>
  );
  if (!isDesktop())
    return (
      <Stack>
        {heading}
        <EmptyState title="Connections are kept by the desktop app">
          In a browser, open each console at its own address.
        </EmptyState>
      </Stack>
    );
  return (
    <Stack>
      {heading}
      {refused && (
        <Alert
          color="red"
          title={`${refused.connection.name} could not be opened`}
          withCloseButton
          onClose={() => setRefused(null)}
        >
          <Stack gap="xs">
            <Text size="sm">{refused.error.message}</Text>
            {refused.error.field === 'token' && (
              <SignInAgain
                connection={refused.connection}
                onDone={(c) => {
                  void refresh();
                  open.mutate(c);
                }}
              />
            )}
            {refused.error.presented && (
              <>
                {refused.error.pinned && (
                  <Text size="sm">
                    Trusted until now: <Code data-testid="pinned-fingerprint">{refused.error.pinned}</Code>
                  </Text>
                )}
                <Text size="sm">
                  Presented now: <Code data-testid="changed-fingerprint">{refused.error.presented}</Code>
                </Text>
                <Checkbox
                  label="I compared it with the fingerprint the server printed: trust the new certificate"
                  checked={compared}
                  onChange={(e) => setCompared(e.currentTarget.checked)}
                />
                <Group>
                  <Button
                    size="xs"
                    disabled={!compared}
                    loading={trust.isPending}
                    onClick={() =>
                      refused.error.presented &&
                      trust.mutate({ c: refused.connection, fingerprint: refused.error.presented })
                    }
                  >
                    Trust the new certificate and open
                  </Button>
                </Group>
              </>
            )}
          </Stack>
        </Alert>
      )}
      {list.isPending ? (
        <Loading label="Reading the connections" />
      ) : list.isError ? (
        <ErrorNotice error={list.error} retry={() => list.refetch()} />
      ) : (
        <>
          {list.data.connections.length === 0 ? (
            <EmptyState title="No connection yet">
              Add a deployed console below: its address, then how you sign in to it.
            </EmptyState>
          ) : (
            <DataTable label="Connections" data={list.data.connections} columns={columns} rowKey={(c) => c.id} />
          )}
          <AddConnection colours={list.data.colours} onAdded={() => void refresh()} />
        </>
      )}
      <Group gap="xs">
        <Badge variant="light" color="gray">
          This computer
        </Badge>
        <Text size="sm" c="dimmed">
          The tray menu opens any connection too.
        </Text>
      </Group>
    </Stack>
  );
}
