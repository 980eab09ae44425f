import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconPlugConnected, IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { ApiError, api, describe, unwrap, type Schemas } from '../../api/client';
import { may, useMe } from '../../api/me';
import { CheckTable } from '../../components/CheckTable';
import { Confirm } from '../../components/Confirm';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

export type Target = Schemas['RemoteTarget'];
export const targetsKey = ['targets'] as const;

/** The registered remote targets. */
export function useTargets() {
  return useQuery({ queryKey: targetsKey, queryFn: () => unwrap(api.GET('/api/targets')) });
}

/**
 * Where a run can go, as select groups: remote targets (`remote:<id>`) and configurations' own
 * endpoints (`config:<id>`), in the order given.
 */
export function endpointChoices(
  configurations: { id: string; name: string }[],
  targets: Target[],
  first: 'remote' | 'config',
) {
  const remote = { group: 'Remote targets', items: targets.map((t) => ({ value: `remote:${t.id}`, label: t.name })) };
  const local = {
    group: "A configuration's own endpoint",
    items: configurations.map((c) => ({ value: `config:${c.id}`, label: c.name })),
  };
  return first === 'remote' ? [remote, local] : [local, remote];
}

/** The run request's target for a choice of `endpointChoices`. */
export function targetBody(choice: string): Schemas['PilotTargetBody'] {
  const at = choice.indexOf(':');
  const [kind, id] = [choice.slice(0, at), choice.slice(at + 1)];
  return kind === 'config' ? { kind: 'configuration', configurationId: id } : { kind: 'remote', target: id };
}

/** How a target authenticates, in words. */
export function authLabel(target: Target): string {
  return target.auth.kind === 'bearer' ? 'Bearer token' : `OAuth client ${target.auth.clientId}`;
}

type AuthKind = 'bearer' | 'oauth';

/** The form that registers a target; the secret goes to the OS keychain and is never shown again. */
function AddTarget({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [kind, setKind] = useState<AuthKind>('bearer');
  const [tokenUrl, setTokenUrl] = useState('');
  const [clientId, setClientId] = useState('');
  const [scope, setScope] = useState('');
  const [secret, setSecret] = useState('');
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/targets', {
          body: {
            name,
            baseUrl,
            secret,
            auth:
              kind === 'bearer'
                ? { kind: 'bearer' }
                : { kind: 'oauthClientCredentials', tokenUrl, clientId, scope: scope.trim() || null },
          },
        }),
      ),
    onSuccess: (added) => {
      setSecret('');
      onClose();
      if (added.keychainUnavailable) {
        notifications.show({
          color: 'yellow',
          title: `${added.target.name} added; its credential is sealed in the database`,
          message: `The OS keychain is unavailable (${added.keychainUnavailable}). The credential is encrypted with the console's master key.`,
        });
      } else {
        notifications.show({
          color: 'green',
          title: `${added.target.name} added`,
          message: 'Its credential is in the OS keychain.',
        });
      }
      return client.invalidateQueries({ queryKey: targetsKey });
    },
  });
  const fieldError = (field: string) =>
    add.error instanceof ApiError && add.error.field === field ? add.error.message : undefined;
  const secretField = kind === 'bearer' ? 'token' : 'clientSecret';
  const known = ['name', 'baseUrl', 'tokenUrl', 'clientId', secretField];
  const otherError =
    add.isError && !(add.error instanceof ApiError && known.includes(add.error.field ?? '')) ? add.error : null;

  return (
    <Modal
      opened={opened}
      onClose={onClose}
      title="Add a target"
      size="lg"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add.mutate();
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={fieldError('name')}
          />
          <TextInput
            label="SCIM base URL"
            placeholder="https://app.example.com/scim/v2"
            required
            value={baseUrl}
            onChange={(e) => setBaseUrl(e.currentTarget.value)}
            error={fieldError('baseUrl')}
          />
          <SegmentedControl
            aria-label="Authentication"
            value={kind}
            onChange={(v) => setKind(v as AuthKind)}
            data={[
              { value: 'bearer', label: 'Bearer token' },
              { value: 'oauth', label: 'OAuth client credentials' },
            ]}
          />
          {kind === 'oauth' && (
            <>
              <TextInput
                label="Token endpoint"
                placeholder="https://login.example.com/oauth2/token"
                required
                value={tokenUrl}
                onChange={(e) => setTokenUrl(e.currentTarget.value)}
                error={fieldError('tokenUrl')}
              />
              <TextInput
                label="Client id"
                required
                value={clientId}
                onChange={(e) => setClientId(e.currentTarget.value)}
                error={fieldError('clientId')}
              />
              <TextInput label="Scope (optional)" value={scope} onChange={(e) => setScope(e.currentTarget.value)} />
            </>
          )}
          <PasswordInput
            label={kind === 'bearer' ? 'Bearer token' : 'Client secret'}
            description="Kept in the OS keychain (sealed with the master key when there is none); never shown again."
            required
            value={secret}
            onChange={(e) => setSecret(e.currentTarget.value)}
            error={fieldError(secretField)}
          />
          {otherError && <ErrorNotice error={otherError} title="Not added" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={add.isPending}>
              Add target
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Remote SCIM service providers the console calls: register, test, remove. */
export function TargetsPage() {
  const client = useQueryClient();
  const writable = may(useMe().data, 'targets', 'write');
  const targets = useTargets();
  const [adding, setAdding] = useState(false);
  const [removing, setRemoving] = useState<Target | null>(null);
  const test = useMutation({
    mutationFn: (target: Target) =>
      unwrap(api.POST('/api/targets/{target}/test', { params: { path: { target: target.id } } })).then((report) => ({
        target,
        report,
      })),
    onSettled: () => client.invalidateQueries({ queryKey: targetsKey }),
  });
  const remove = useMutation({
    mutationFn: (target: Target) =>
      unwrap(api.DELETE('/api/targets/{target}', { params: { path: { target: target.id } } })),
    onSuccess: () => {
      setRemoving(null);
      test.reset();
      return client.invalidateQueries({ queryKey: targetsKey });
    },
    onError: (e) => notifications.show({ title: 'Not removed', message: describe(e), color: 'red' }),
  });

  const columns: DataColumn<Target>[] = [
    { id: 'name', header: 'Name', accessorFn: (t) => t.name, enableHiding: false },
    {
      id: 'baseUrl',
      header: 'SCIM base URL',
      accessorFn: (t) => t.baseUrl,
      cell: ({ row }) => (
        <Text size="sm" ff="monospace" style={{ overflowWrap: 'anywhere' }}>
          {row.original.baseUrl}
        </Text>
      ),
    },
    { id: 'auth', header: 'Authentication', accessorFn: (t) => authLabel(t) },
    {
      id: 'credential',
      header: 'Credential',
      accessorFn: (t) => (t.secretStore === 'keychain' ? 'OS keychain' : 'sealed in the database'),
      cell: ({ row: { original: t } }) =>
        t.secretStore === 'keychain' ? (
          <Badge variant="light" style={{ minWidth: 'max-content' }}>
            OS keychain
          </Badge>
        ) : (
          <Tooltip label="No OS keychain was reachable: encrypted with the console's master key">
            <Badge variant="light" color="yellow" style={{ minWidth: 'max-content' }}>
              sealed in the database
            </Badge>
          </Tooltip>
        ),
    },
    {
      id: 'lastTest',
      header: 'Last test',
      accessorFn: (t) => t.lastTest ?? '',
      cell: ({ row: { original: t } }) =>
        t.lastTest ? (
          <Badge variant="light" color={t.lastTestOk ? 'green' : 'red'} style={{ minWidth: 'max-content' }}>
            {t.lastTestOk ? 'works' : 'failed'} · {formatDateTime(t.lastTest)}
          </Badge>
        ) : (
          'never'
        ),
    },
    {
      id: 'actions',
      header: 'Actions',
      hiddenHeader: true,
      ...controls,
      cell: ({ row: { original: t } }) => (
        <Group gap="xs" justify="flex-end" wrap="nowrap">
          <Button
            size="xs"
            variant="light"
            leftSection={<IconPlugConnected size={14} />}
            loading={test.isPending && test.variables?.id === t.id}
            onClick={() => test.mutate(t)}
          >
            Test connection
          </Button>
          <Tooltip label="Remove">
            <ActionIcon variant="subtle" color="red" aria-label={`Remove ${t.name}`} onClick={() => setRemoving(t)}>
              <IconTrash size={16} />
            </ActionIcon>
          </Tooltip>
        </Group>
      ),
    },
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">
          Targets
        </Title>
        {writable && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add target
          </Button>
        )}
      </Group>
      <Text c="dimmed" size="sm">
        SCIM service providers the console calls as a client — to test their connection the way identity providers do,
        and to run pilots into them before production.
      </Text>
      {targets.isPending ? (
        <Loading label="Loading targets" />
      ) : targets.isError ? (
        <ErrorNotice error={targets.error} retry={() => targets.refetch()} />
      ) : targets.data.length === 0 ? (
        <EmptyState
          title="No target yet"
          action={
            writable && (
              <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
                Add target
              </Button>
            )
          }
        >
          Register the application you provision into: its SCIM base URL and its bearer token or OAuth client
          credentials. Then test its connection, or run a pilot into it.
        </EmptyState>
      ) : (
        <DataTable
          label="Targets"
          data={targets.data}
          columns={columns}
          rowKey={(t) => t.id}
          filterPlaceholder="Filter by name, URL or authentication"
          initialSort={[{ id: 'name', desc: false }]}
          minWidth={820}
        />
      )}
      {test.isError && <ErrorNotice error={test.error} title="The test could not run" />}
      {test.data && (
        <Paper withBorder p="md">
          <Stack>
            <Group justify="space-between">
              <Title order={2} size="h3">
                Test of {test.data.target.name}
              </Title>
              <Badge size="lg" color={test.data.report.ok ? 'green' : 'red'} data-testid="target-verdict">
                {test.data.report.ok ? 'Connection works' : 'Connection has problems'}
              </Badge>
            </Group>
            <CheckTable report={test.data.report} />
          </Stack>
        </Paper>
      )}
      <AddTarget opened={adding} onClose={() => setAdding(false)} />
      <Confirm
        opened={removing !== null}
        title={`Remove ${removing?.name ?? ''}?`}
        confirmLabel="Remove target"
        loading={remove.isPending}
        onConfirm={() => removing && remove.mutate(removing)}
        onCancel={() => setRemoving(null)}
      >
        The target and its credential (in the keychain or the database) are deleted. Pilot run records stay in the
        provisioning log.
      </Confirm>
    </Stack>
  );
}
