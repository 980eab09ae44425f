import { Alert, Badge, Button, Drawer, Group, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconArrowBackUp } from '@tabler/icons-react';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration } from '../../api/client';
import { Confirm } from '../../components/Confirm';
import { ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

/**
 * Convert user IDs to emails: users whose userName is a short name (as Active Directory and
 * SSO name them) take their primary email (as Entra ID names them). A preview shows each change
 * and each clash first; the conversion is audited and can be undone.
 */
export function RekeyDrawer({
  configuration,
  opened,
  onClose,
}: {
  configuration: Configuration;
  opened: boolean;
  onClose: () => void;
}) {
  const client = useQueryClient();
  const id = configuration.id;
  const [asking, setAsking] = useState(false);
  const preview = useQuery({
    queryKey: ['rekey', id],
    enabled: opened,
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/rekey', { params: { path: { id } } })),
  });
  const batches = useQuery({
    queryKey: ['rekeys', id],
    enabled: opened,
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/rekeys', { params: { path: { id } } })),
  });
  const refresh = async () => {
    await client.invalidateQueries({ queryKey: ['rekey', id] });
    await client.invalidateQueries({ queryKey: ['rekeys', id] });
    await client.invalidateQueries({ queryKey: ['directory', id] });
  };
  const convert = useMutation({
    mutationFn: () => unwrap(api.POST('/api/configurations/{id}/rekey', { params: { path: { id } } })),
    onSuccess: async (done) => {
      setAsking(false);
      notifications.show({
        color: 'green',
        message: `${done.changed} user${done.changed === 1 ? '' : 's'} converted${done.failed.length ? `; ${done.failed.length} refused` : ''}`,
      });
      await refresh();
    },
  });
  const undo = useMutation({
    mutationFn: (batch: string) =>
      unwrap(api.POST('/api/configurations/{id}/rekeys/{batch}/undo', { params: { path: { id, batch } } })),
    onSuccess: async (done) => {
      notifications.show({ color: 'green', message: `Undone: ${done.changed} users have their short name back` });
      await refresh();
    },
  });
  const p = preview.data;
  return (
    <Drawer
      opened={opened}
      onClose={onClose}
      position="right"
      size="xl"
      title="Convert user IDs to emails"
      closeButtonProps={{ 'aria-label': 'Close' }}
    >
      <Stack>
        <Text size="sm" c="dimmed">
          Active Directory and SSO name users by a short name (ada); Entra ID by their email (ada@contoso.com). Before
          Entra ID&apos;s first cycle, give each short-named user its primary email as userName, so that Entra ID
          matches it instead of creating a duplicate.
        </Text>
        {preview.isPending && <Loading label="Reading the directory" />}
        {preview.isError && <ErrorNotice error={preview.error} retry={() => preview.refetch()} />}
        {p && (
          <>
            <Group gap="xs">
              <Badge color="blue" variant="light">
                {p.changeCount} to convert
              </Badge>
              <Badge color={p.clashCount ? 'orange' : 'gray'} variant="light">
                {p.clashCount} cannot be
              </Badge>
              <Badge color="gray" variant="light">
                {p.alreadyEmails} already emails
              </Badge>
            </Group>
            {p.changes.length > 0 && (
              <Table aria-label="Users to convert" verticalSpacing={4} striped>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>userName now</Table.Th>
                    <Table.Th>becomes</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.changes.map((c) => (
                    <Table.Tr key={c.id}>
                      <Table.Td>{c.from}</Table.Td>
                      <Table.Td>{c.to}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            )}
            {p.clashes.length > 0 && (
              <>
                <Title order={3} size="h5">
                  Left as they are
                </Title>
                <Table aria-label="Users that cannot be converted" verticalSpacing={4}>
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>userName</Table.Th>
                      <Table.Th>email</Table.Th>
                      <Table.Th>why</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {p.clashes.map((c) => (
                      <Table.Tr key={c.id}>
                        <Table.Td>{c.from}</Table.Td>
                        <Table.Td>{c.to ?? '—'}</Table.Td>
                        <Table.Td>{c.reason}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </>
            )}
            {convert.isError && (
              <Alert color="red" role="alert">
                {describe(convert.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button disabled={p.changeCount === 0} onClick={() => setAsking(true)}>
                Convert {p.changeCount} user{p.changeCount === 1 ? '' : 's'}
              </Button>
            </Group>
          </>
        )}
        {(batches.data ?? []).length > 0 && (
          <>
            <Title order={3} size="h5">
              Conversions
            </Title>
            <Table aria-label="Conversions" verticalSpacing={4}>
              <Table.Tbody>
                {(batches.data ?? []).map((b) => (
                  <Table.Tr key={b.id}>
                    <Table.Td>{formatDateTime(b.at)}</Table.Td>
                    <Table.Td>{b.by}</Table.Td>
                    <Table.Td>{b.changed} users</Table.Td>
                    <Table.Td>
                      {b.undone ? (
                        <Text size="sm" c="dimmed">
                          undone {formatDateTime(b.undone)}
                        </Text>
                      ) : (
                        <Button
                          size="compact-sm"
                          variant="default"
                          leftSection={<IconArrowBackUp size={14} />}
                          loading={undo.isPending}
                          onClick={() => undo.mutate(b.id)}
                        >
                          Undo
                        </Button>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </>
        )}
      </Stack>
      <Confirm
        opened={asking}
        title={`Convert ${p?.changeCount ?? 0} user IDs to emails?`}
        confirmLabel="Convert"
        loading={convert.isPending}
        onConfirm={() => convert.mutate()}
        onCancel={() => setAsking(false)}
      >
        Each listed user&apos;s userName becomes its email. The conversion is recorded in the audit log and can be
        undone there or here.
      </Confirm>
    </Drawer>
  );
}
