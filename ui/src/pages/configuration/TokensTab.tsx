import {
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NativeSelect,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconAlertTriangle, IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { describe, type Configuration, type IssuedToken, type Token } from '../../api/client';
import { may, useMe } from '../../api/me';
import { useCreateToken, useRevokeToken, useRotateToken, useTokens } from '../../api/queries';
import { Confirm } from '../../components/Confirm';
import { CopyField } from '../../components/CopyField';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime, relative } from '../../format';
import { OAuthClientsPanel } from './OAuthClientsPanel';

const stateColor = { active: 'green', grace: 'yellow', expired: 'gray', revoked: 'red' } as const;
const DAY = 86_400_000;

/** "Expires in 5 days" when a token ends within 14 days (or has ended). */
export function expiryWarning(token: Token, now: number = Date.now()): string | null {
  if (!token.expires || token.state === 'revoked') return null;
  const left = new Date(token.expires).getTime() - now;
  if (left <= 0) return 'Expired';
  if (left <= 14 * DAY) return `Expires ${relative(token.expires, now)}`;
  return null;
}

/** "Rotation overdue" once the policy's rotation date has passed, "Rotation due in 5 days" within 30
 * days of it — for tokens in use (a token in its grace window is being replaced already). */
export function rotationWarning(token: Token, now: number = Date.now()): { text: string; overdue: boolean } | null {
  if (!token.rotationDue || token.state !== 'active') return null;
  const left = new Date(token.rotationDue).getTime() - now;
  if (left <= 0) return { text: 'Rotation overdue', overdue: true };
  if (left <= 30 * DAY) return { text: `Rotation due ${relative(token.rotationDue, now)}`, overdue: false };
  return null;
}

const graces = [
  { value: '0', label: 'None: the old token stops at once' },
  { value: '3600', label: '1 hour' },
  { value: '86400', label: '24 hours' },
  { value: '604800', label: '7 days' },
];

/** The grace windows offered, the policy's own first (and chosen) when it is not one of them. */
export function graceChoices(policyHours?: number | null): {
  data: { value: string; label: string }[];
  initial: string;
} {
  if (policyHours == null) return { data: graces, initial: '86400' };
  const seconds = String(policyHours * 3600);
  const known = graces.find((g) => g.value === seconds);
  const data = graces.map((g) => (g.value === seconds ? { ...g, label: `${g.label} (the token policy's)` } : g));
  return known
    ? { data, initial: seconds }
    : { data: [{ value: seconds, label: `${policyHours} hours (the token policy's)` }, ...data], initial: seconds };
}

/** When a token stops (or stopped): the grace window's end, the revocation, the expiry, or never. */
export function endOf(t: Token): string {
  if (t.state === 'grace' && t.revoked) return `grace ends ${formatDateTime(t.revoked)}`;
  if (t.state === 'revoked' && t.revoked) return `revoked ${formatDateTime(t.revoked)}`;
  return t.expires ? formatDateTime(t.expires) : 'never';
}

function ShownOnce({ issued, onClose }: { issued: IssuedToken | null; onClose: () => void }) {
  return (
    <Modal opened={issued !== null} onClose={onClose} title="Copy the new token now" size="lg">
      {issued && (
        <Stack>
          <Alert color="yellow" icon={<IconAlertTriangle />}>
            This is the only time the token is shown; only its hash is kept.
          </Alert>
          <CopyField label="Bearer token" value={issued.token} testId="issued-token" />
          <CopyField label="SCIM base URL" value={issued.scimBaseUrl} />
          <Group justify="flex-end">
            <Button onClick={onClose}>I have copied it</Button>
          </Group>
        </Stack>
      )}
    </Modal>
  );
}

/** The configuration's bearer tokens: create, rotate with a grace window, revoke. */
export function TokensTab({ configuration }: { configuration: Configuration }) {
  const tokens = useTokens(configuration.id);
  const writable = may(useMe(configuration.id).data, 'tokens', 'write');
  const create = useCreateToken(configuration.id);
  const rotate = useRotateToken(configuration.id);
  const revoke = useRevokeToken(configuration.id);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [creating, setCreating] = useState(false);
  const [label, setLabel] = useState('');
  const [expires, setExpires] = useState('');
  const [rotating, setRotating] = useState<Token | null>(null);
  const choices = graceChoices(configuration.tokenPolicy?.rotationGraceHours);
  const [grace, setGrace] = useState(choices.initial);
  const [showTemporary, setShowTemporary] = useState(false);
  const [revoking, setRevoking] = useState<Token | null>(null);

  const submitCreate = (e: React.FormEvent) => {
    e.preventDefault();
    create.mutate(
      { label: label.trim(), expires: expires ? new Date(`${expires}T00:00:00Z`).toISOString() : null },
      {
        onSuccess: (t) => {
          setCreating(false);
          setLabel('');
          setExpires('');
          setIssued(t);
        },
      },
    );
  };
  const submitRotate = () => {
    if (!rotating) return;
    rotate.mutate(
      { tokenId: rotating.id, body: { graceSeconds: Number(grace) } },
      {
        onSuccess: (r) => {
          setRotating(null);
          setIssued(r.new);
        },
      },
    );
  };
  const submitRevoke = () => {
    if (!revoking) return;
    revoke.mutate(revoking.id, {
      onSuccess: () => {
        notifications.show({ message: `Token ${revoking.prefix}… revoked`, color: 'gray' });
        setRevoking(null);
      },
      onError: (e) => notifications.show({ title: 'Not revoked', message: describe(e), color: 'red' }),
    });
  };

  const all = tokens.data ?? [];
  const columns: DataColumn<Token>[] = [
    {
      id: 'label',
      header: 'Label',
      accessorFn: (t) => t.label,
      cell: ({ row: { original: t } }) => t.label || <Text c="dimmed">—</Text>,
    },
    {
      id: 'token',
      header: 'Token',
      accessorFn: (t) => t.prefix,
      enableHiding: false,
      cell: ({ row: { original: t } }) => (
        <>
          <Text ff="monospace" size="sm">
            {t.prefix}…
          </Text>
          {t.rotatedTo && (
            <Text size="xs" c="dimmed" data-testid="replaced-by">
              replaced by {prefixOf.get(t.rotatedTo) ?? t.rotatedTo}…
            </Text>
          )}
          {replaced.has(t.id) && (
            <Text size="xs" c="dimmed" data-testid="replaces">
              replaces {replaced.get(t.id)}…
            </Text>
          )}
        </>
      ),
    },
    {
      id: 'state',
      header: 'State',
      accessorFn: (t) => (t.state === 'grace' ? 'grace window' : t.state),
      cell: ({ row: { original: t } }) => (
        <Badge
          color={stateColor[t.state]}
          variant="light"
          styles={{ root: { overflow: 'visible' }, label: { overflow: 'visible' } }}
          style={{ whiteSpace: 'nowrap', flexShrink: 0 }}
        >
          {t.state === 'grace' ? 'grace window' : t.state}
        </Badge>
      ),
    },
    {
      id: 'created',
      header: 'Created',
      accessorFn: (t) => t.created,
      enableGlobalFilter: false,
      cell: ({ row: { original: t } }) => (
        <Tooltip label={`by ${t.createdBy}`}>
          <Text size="sm">{formatDateTime(t.created)}</Text>
        </Tooltip>
      ),
    },
    {
      id: 'ends',
      header: 'Ends',
      accessorFn: (t) => t.revoked ?? t.expires ?? '',
      enableGlobalFilter: false,
      cell: ({ row: { original: t } }) => {
        const warning = expiryWarning(t);
        return (
          <>
            <Text size="sm" data-testid="token-end">
              {endOf(t)}
            </Text>
            {warning && (
              <Badge color="orange" variant="light" size="sm">
                {warning}
              </Badge>
            )}
          </>
        );
      },
    },
    {
      id: 'rotation',
      header: 'Rotation',
      accessorFn: (t) => t.rotationDue ?? '',
      enableGlobalFilter: false,
      cell: ({ row: { original: t } }) => {
        const rotation = rotationWarning(t);
        return (
          <>
            <Text size="sm">
              {t.rotationDue && t.state === 'active' ? `due ${formatDateTime(t.rotationDue)}` : '—'}
            </Text>
            {rotation && (
              <Badge color={rotation.overdue ? 'red' : 'orange'} variant="light" size="sm">
                {rotation.text}
              </Badge>
            )}
          </>
        );
      },
    },
    {
      id: 'lastUsed',
      header: 'Last used',
      accessorFn: (t) => `${t.lastUsed ?? ''} ${t.lastUsedFrom ?? ''}`,
      sortingFn: (a, b) => (a.original.lastUsed ?? '').localeCompare(b.original.lastUsed ?? ''),
      cell: ({ row: { original: t } }) => (
        <>
          <Text size="sm">{t.lastUsed ? relative(t.lastUsed) : 'never'}</Text>
          {t.lastUsedFrom && (
            <Text size="xs" c="dimmed">
              from {t.lastUsedFrom}
            </Text>
          )}
        </>
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      ...controls,
      cell: ({ row: { original: t } }) =>
        (t.state === 'active' || t.state === 'grace') &&
        writable && (
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" variant="light" onClick={() => setRotating(t)}>
              Rotate
            </Button>
            <Button size="xs" variant="light" color="red" onClick={() => setRevoking(t)}>
              Revoke
            </Button>
          </Group>
        ),
    },
  ];
  const temporary = all.filter((t) => t.temporary).length;
  const list = showTemporary ? all : all.filter((t) => !t.temporary);
  const prefixOf = new Map(all.map((t) => [t.id, t.prefix]));
  const replaced = new Map(all.filter((t) => t.rotatedTo).map((t) => [t.rotatedTo as string, t.prefix]));
  const overdue = list.filter((t) => rotationWarning(t)?.overdue).length;
  const rotationDays = configuration.tokenPolicy?.rotationDays;
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h3">
          Bearer tokens
        </Title>
        {writable && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setCreating(true)}>
            Create token
          </Button>
        )}
      </Group>
      {configuration.clientAuthentication === 'privateKeyJwt' && (
        <Alert color="orange" icon={<IconAlertTriangle />}>
          This configuration accepts only OAuth clients that authenticate with signed JWTs: its bearer tokens are
          refused. Change it under OAuth clients below.
        </Alert>
      )}
      {overdue > 0 && (
        <Alert color="red" icon={<IconAlertTriangle />} title="Rotation overdue">
          {overdue === 1 ? '1 token is' : `${overdue} tokens are`} older than the token policy allows
          {rotationDays ? ` (rotation every ${rotationDays} days)` : ''}: rotate {overdue === 1 ? 'it' : 'them'} and
          give the identity provider the new token.
        </Alert>
      )}
      {temporary > 0 && (
        <Switch
          label={`Show the ${temporary} temporary token${temporary === 1 ? '' : 's'} of pilot and conformance runs`}
          checked={showTemporary}
          onChange={(e) => setShowTemporary(e.currentTarget.checked)}
        />
      )}
      {tokens.isPending ? (
        <Loading label="Loading tokens" />
      ) : tokens.isError ? (
        <ErrorNotice error={tokens.error} retry={() => tokens.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState title="No token yet">
          The identity provider needs a bearer token to call this endpoint. Create one and paste it as the Secret Token
          (Entra ID) or API Token (Okta).
        </EmptyState>
      ) : (
        <DataTable
          label="Tokens"
          data={list}
          columns={columns}
          rowKey={(t) => t.id}
          filterPlaceholder="Filter by label, token, state or address"
          minWidth={860}
        />
      )}
      <Modal opened={creating} onClose={() => setCreating(false)} title="Create a token">
        <form onSubmit={submitCreate}>
          <Stack>
            <TextInput
              label="Label"
              description="Which IdP or person uses it, e.g. “Entra ID production”."
              value={label}
              onChange={(e) => setLabel(e.currentTarget.value)}
              data-autofocus
            />
            <TextInput
              type="date"
              label="Expires on (optional)"
              description="Without a date the configuration's token policy decides."
              value={expires}
              onChange={(e) => setExpires(e.currentTarget.value)}
            />
            {create.isError && (
              <Alert color="red" role="alert">
                {describe(create.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setCreating(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Create
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
      <Modal opened={rotating !== null} onClose={() => setRotating(null)} title={`Rotate ${rotating?.prefix ?? ''}…`}>
        <Stack>
          <Text size="sm">
            A new token replaces this one. Keep the old one working for a grace window while you paste the new one into
            the identity provider; it then stops by itself.
          </Text>
          <NativeSelect
            label="Grace window"
            data={choices.data}
            value={grace}
            onChange={(e) => setGrace(e.currentTarget.value)}
          />
          {rotate.isError && (
            <Alert color="red" role="alert">
              {describe(rotate.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setRotating(null)}>
              Cancel
            </Button>
            <Button onClick={submitRotate} loading={rotate.isPending}>
              Rotate
            </Button>
          </Group>
        </Stack>
      </Modal>
      <Confirm
        opened={revoking !== null}
        title={`Revoke ${revoking?.prefix ?? ''}…?`}
        confirmLabel="Revoke"
        loading={revoke.isPending}
        onConfirm={submitRevoke}
        onCancel={() => setRevoking(null)}
      >
        It stops working on the very next request. An identity provider still using it will fail until it gets a new
        token.
      </Confirm>
      <ShownOnce issued={issued} onClose={() => setIssued(null)} />
      <OAuthClientsPanel configuration={configuration} />
    </Stack>
  );
}
