import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Modal,
  Paper,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { describe, type Configuration, type IssuedClient, type OAuthClient } from '../../api/client';
import {
  useCreateOAuthClient,
  useOAuthClients,
  useRevokeOAuthClient,
  useTokens,
  useUpdateConfiguration,
} from '../../api/queries';
import { Confirm } from '../../components/Confirm';
import { CopyField } from '../../components/CopyField';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { ErrorNotice, Loading } from '../../components/States';
import { formatDateTime, relative } from '../../format';
import { TokenRequests } from './TokenRequests';

type Method = 'secret' | 'jwks' | 'jwksUri';

/** What a client's keys are, in a few words. */
export function keysSummary(client: OAuthClient): string {
  if (client.authMethod === 'clientSecret') return 'client secret';
  if (client.jwksUri) return client.jwksUri;
  const keys = (client.jwks as { keys?: { kid?: string; kty?: string }[] } | null)?.keys ?? [];
  return keys.map((k) => k.kid ?? k.kty ?? 'key').join(', ') || 'no keys';
}

/** Reads the JWK Set typed by the admin, or says what is wrong with it. */
export function parseJwks(text: string): { jwks: unknown } | { error: string } {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return { error: 'Paste a JWK Set ({"keys": [...]}) or one JWK ({"kty": ...}).' };
    }
    return { jwks: value };
  } catch (e) {
    return { error: `Not JSON: ${(e as Error).message}` };
  }
}

function Issued({ issued, onClose }: { issued: IssuedClient | null; onClose: () => void }) {
  return (
    <Modal opened={issued !== null} onClose={onClose} title="OAuth client created" size="lg">
      {issued && (
        <Stack>
          {issued.clientSecret ? (
            <Alert color="yellow" icon={<IconAlertTriangle />}>
              This is the only time the client secret is shown; only its hash is kept.
            </Alert>
          ) : (
            <Text size="sm">
              The client signs a JWT with its private key for each token request (RFC 7523): <Code>iss</Code> and{' '}
              <Code>sub</Code> are the client id, <Code>aud</Code> the issuer below (or the token endpoint), with{' '}
              <Code>exp</Code> at most an hour away and a new <Code>jti</Code> each time.
            </Text>
          )}
          <CopyField label="Client id" value={issued.clientId} testId="issued-client-id" />
          {issued.clientSecret && (
            <CopyField label="Client secret" value={issued.clientSecret} testId="issued-client-secret" />
          )}
          {!issued.clientSecret && <CopyField label="Issuer (the assertion's audience)" value={issued.issuer} />}
          <CopyField label="SCIM base URL" value={issued.scimBaseUrl} />
          <TokenRequests
            tokenEndpoint={issued.tokenEndpoint}
            scimBaseUrl={issued.scimBaseUrl}
            jwtOnly={!issued.clientSecret}
            clientId={issued.clientId}
            clientSecret={issued.clientSecret}
          />
          <Group justify="flex-end">
            <Button onClick={onClose}>{issued.clientSecret ? 'I have copied it' : 'Done'}</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** Which credentials the endpoint accepts; switching to signed JWTs only says what stops. */
function AuthenticationChoice({ configuration, clients }: { configuration: Configuration; clients: OAuthClient[] }) {
  const update = useUpdateConfiguration();
  const tokens = useTokens(configuration.id);
  const [confirming, setConfirming] = useState(false);
  const liveTokens = (tokens.data ?? []).filter((t) => t.state === 'active' || t.state === 'grace').length;
  const secretClients = clients.filter((c) => c.authMethod === 'clientSecret' && c.state === 'active').length;
  const save = (value: 'any' | 'privateKeyJwt') =>
    update.mutate(
      { id: configuration.id, changes: { clientAuthentication: value } },
      {
        onSuccess: () => {
          setConfirming(false);
          notifications.show({
            message:
              value === 'any'
                ? 'Bearer tokens and every OAuth client are accepted'
                : 'Only OAuth clients with signed JWTs are accepted',
            color: 'green',
          });
        },
        onError: (e) => notifications.show({ title: 'Not saved', message: describe(e), color: 'red' }),
      },
    );
  return (
    <Stack gap="xs">
      <SegmentedControl
        aria-label="Accepted credentials"
        value={configuration.clientAuthentication}
        onChange={(v) => (v === 'privateKeyJwt' ? setConfirming(true) : save('any'))}
        data={[
          { value: 'any', label: 'Bearer tokens and OAuth clients' },
          { value: 'privateKeyJwt', label: 'Only OAuth clients with signed JWTs' },
        ]}
      />
      <Text size="sm" c="dimmed">
        {configuration.clientAuthentication === 'any'
          ? 'Entra ID and Okta provision with bearer tokens. The IPSIE SCIM profile asks for OAuth client credentials with JWT client authentication (RFC 7523) instead.'
          : 'Bearer tokens, client secrets and refresh tokens are refused: clients sign a JWT with a registered key for each access token, which lives 5 minutes.'}
      </Text>
      <Confirm
        opened={confirming}
        title="Accept only OAuth clients with signed JWTs?"
        confirmLabel="Accept only signed JWTs"
        loading={update.isPending}
        onConfirm={() => save('privateKeyJwt')}
        onCancel={() => setConfirming(false)}
      >
        {liveTokens + secretClients === 0
          ? 'No bearer token or secret client is live, so nothing stops working.'
          : `${liveTokens} live bearer token(s) and ${secretClients} client(s) with a secret stop working on their next request. Identity providers that use them fail until they authenticate with a signed JWT.`}
      </Confirm>
    </Stack>
  );
}

/** The configuration's OAuth clients: who may get access tokens, and how they authenticate. */
export function OAuthClientsPanel({ configuration }: { configuration: Configuration }) {
  const clients = useOAuthClients(configuration.id);
  const create = useCreateOAuthClient(configuration.id);
  const revoke = useRevokeOAuthClient(configuration.id);
  const jwtOnly = configuration.clientAuthentication === 'privateKeyJwt';
  const [creating, setCreating] = useState(false);
  const [label, setLabel] = useState('');
  const [method, setMethod] = useState<Method>(jwtOnly ? 'jwks' : 'secret');
  const [jwks, setJwks] = useState('');
  const [jwksUri, setJwksUri] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [issued, setIssued] = useState<IssuedClient | null>(null);
  const [revoking, setRevoking] = useState<OAuthClient | null>(null);

  const open = () => {
    setMethod(jwtOnly ? 'jwks' : 'secret');
    setFormError(null);
    create.reset();
    setCreating(true);
  };
  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    setFormError(null);
    let keys: { jwks?: unknown; jwksUri?: string } = {};
    if (method === 'jwks') {
      const parsed = parseJwks(jwks);
      if ('error' in parsed) {
        setFormError(parsed.error);
        return;
      }
      keys = { jwks: parsed.jwks };
    } else if (method === 'jwksUri') {
      keys = { jwksUri: jwksUri.trim() };
    }
    create.mutate({ label: label.trim(), ...keys } as Parameters<typeof create.mutate>[0], {
      onSuccess: (c) => {
        setCreating(false);
        setLabel('');
        setJwks('');
        setJwksUri('');
        setIssued(c);
      },
    });
  };
  const submitRevoke = () => {
    if (!revoking) return;
    revoke.mutate(revoking.clientId, {
      onSuccess: () => {
        notifications.show({ message: `OAuth client ${revoking.clientId} revoked`, color: 'gray' });
        setRevoking(null);
      },
      onError: (e) => notifications.show({ title: 'Not revoked', message: describe(e), color: 'red' }),
    });
  };

  const list = clients.data ?? [];
  const columns: DataColumn<OAuthClient>[] = [
    { id: 'label', header: 'Label', accessorFn: (c) => c.label || '—' },
    {
      id: 'clientId',
      header: 'Client id',
      accessorFn: (c) => c.clientId,
      enableHiding: false,
      cell: ({ row }) => (
        <Text ff="monospace" size="sm">
          {row.original.clientId}
        </Text>
      ),
    },
    {
      id: 'method',
      header: 'Authenticates with',
      accessorFn: (c) => (c.authMethod === 'privateKeyJwt' ? 'signed JWT' : 'secret'),
      cell: ({ row: { original: c } }) => (
        <>
          <Group gap="xs">
            <Badge variant="light" color={c.authMethod === 'privateKeyJwt' ? 'blue' : 'gray'}>
              {c.authMethod === 'privateKeyJwt' ? 'signed JWT' : 'secret'}
            </Badge>
            {jwtOnly && c.authMethod === 'clientSecret' && c.state === 'active' && (
              <Badge variant="light" color="orange">
                refused here
              </Badge>
            )}
          </Group>
          {c.authMethod === 'privateKeyJwt' && (
            <Text size="xs" c="dimmed" ff="monospace">
              {keysSummary(c)}
            </Text>
          )}
        </>
      ),
    },
    {
      id: 'state',
      header: 'State',
      accessorFn: (c) => c.state,
      cell: ({ row: { original: c } }) => (
        <Badge color={c.state === 'revoked' ? 'red' : 'green'} variant="light">
          {c.state}
        </Badge>
      ),
    },
    {
      id: 'created',
      header: 'Created',
      accessorFn: (c) => c.created,
      enableGlobalFilter: false,
      cell: ({ row: { original: c } }) => (
        <Tooltip label={`by ${c.createdBy}`}>
          <Text size="sm">{formatDateTime(c.created)}</Text>
        </Tooltip>
      ),
    },
    {
      id: 'lastUsed',
      header: 'Last used',
      accessorFn: (c) => c.lastUsed ?? '',
      enableGlobalFilter: false,
      cell: ({ row: { original: c } }) => (
        <>
          <Text size="sm">{c.lastUsed ? relative(c.lastUsed) : 'never'}</Text>
          {c.lastUsedFrom && (
            <Text size="xs" c="dimmed">
              from {c.lastUsedFrom}
            </Text>
          )}
        </>
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      ...controls,
      cell: ({ row: { original: c } }) =>
        c.state !== 'revoked' && (
          <Button size="xs" variant="light" color="red" onClick={() => setRevoking(c)}>
            Revoke
          </Button>
        ),
    },
  ];
  return (
    <Paper withBorder p="md">
      <Stack>
        <Group justify="space-between">
          <div>
            <Title order={2} size="h3">
              OAuth clients
            </Title>
            <Text size="sm" c="dimmed">
              Clients get access tokens at the token endpoint with the client_credentials grant, authenticating with a
              secret or with a JWT signed by a key they registered.
            </Text>
          </div>
          <Button leftSection={<IconPlus size={16} />} onClick={open}>
            Add OAuth client
          </Button>
        </Group>
        <AuthenticationChoice configuration={configuration} clients={list} />
        {configuration.tokenEndpoint && (
          <>
            <Title order={3} size="h4">
              How a client gets a token
            </Title>
            <TokenRequests
              tokenEndpoint={configuration.tokenEndpoint}
              scimBaseUrl={configuration.scimBaseUrl}
              jwtOnly={jwtOnly}
            />
          </>
        )}
        {clients.isPending ? (
          <Loading label="Loading OAuth clients" />
        ) : clients.isError ? (
          <ErrorNotice error={clients.error} retry={() => clients.refetch()} />
        ) : list.length === 0 ? (
          <Text size="sm" c="dimmed">
            No OAuth client yet.
          </Text>
        ) : (
          <DataTable
            label="OAuth clients"
            data={list}
            columns={columns}
            rowKey={(c) => c.clientId}
            rowProps={(c) => ({ 'data-testid': `oauth-client-${c.clientId}` })}
            filterPlaceholder="Filter by label, client id, method or state"
            initialSort={[{ id: 'created', desc: true }]}
            minWidth={860}
          />
        )}
      </Stack>
      <Modal opened={creating} onClose={() => setCreating(false)} title="Add an OAuth client" size="lg">
        <form onSubmit={submit}>
          <Stack>
            <TextInput
              label="Label"
              description="Which identity service uses it."
              value={label}
              onChange={(e) => setLabel(e.currentTarget.value)}
              data-autofocus
            />
            <SegmentedControl
              aria-label="Client authentication"
              value={method}
              onChange={(v) => setMethod(v as Method)}
              data={[
                { value: 'secret', label: 'Client secret', disabled: jwtOnly },
                { value: 'jwks', label: 'Public keys (JWK Set)' },
                { value: 'jwksUri', label: 'JWKS URL' },
              ]}
            />
            {method === 'secret' && (
              <Text size="sm" c="dimmed">
                A secret is generated and shown once; the client sends it with HTTP Basic.
              </Text>
            )}
            {method === 'jwks' && (
              <Textarea
                label="Public keys"
                description='The client’s JWK Set ({"keys": [...]}) or one JWK: RSA, EC P-256/P-384 or Ed25519 public keys, no private part.'
                autosize
                minRows={6}
                ff="monospace"
                value={jwks}
                onChange={(e) => setJwks(e.currentTarget.value)}
                required
              />
            )}
            {method === 'jwksUri' && (
              <TextInput
                label="JWKS URL"
                description="Where the client publishes its JWK Set (https://). Fetched when needed and kept 5 minutes."
                placeholder="https://idp.example.com/.well-known/jwks.json"
                value={jwksUri}
                onChange={(e) => setJwksUri(e.currentTarget.value)}
                required
              />
            )}
            {(formError || create.isError) && (
              <Alert color="red" role="alert">
                {formError ?? describe(create.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setCreating(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Add client
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <Confirm
        opened={revoking !== null}
        title={`Revoke ${revoking?.clientId ?? ''}?`}
        confirmLabel="Revoke"
        loading={revoke.isPending}
        onConfirm={submitRevoke}
        onCancel={() => setRevoking(null)}
      >
        Its access tokens stop on the very next request and it gets no new ones.
      </Confirm>
      <Issued issued={issued} onClose={() => setIssued(null)} />
    </Paper>
  );
}
