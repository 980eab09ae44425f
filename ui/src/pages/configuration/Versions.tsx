import { Badge, Button, Code, Group, Modal, Stack, Table, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration } from '../../api/client';
import { keys } from '../../api/queries';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';
import type { ApiPlan } from './planText';

/** Every saved version of the plan: what changed against the current one, and rollback. */
export function Versions({
  configuration,
  onRolledBack,
}: {
  configuration: Configuration;
  onRolledBack: (plan: ApiPlan) => void;
}) {
  const id = configuration.id;
  const client = useQueryClient();
  const versions = useQuery({
    queryKey: keys.versions(id),
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/mapping/versions', { params: { path: { id } } })),
  });
  const [diffFrom, setDiffFrom] = useState<number | null>(null);
  const diff = useQuery({
    queryKey: ['diff', id, diffFrom],
    enabled: diffFrom !== null,
    queryFn: () =>
      unwrap(
        api.GET('/api/configurations/{id}/mapping/diff', {
          params: { path: { id }, query: { from: diffFrom ?? 0 } },
        }),
      ),
  });
  const rollback = useMutation({
    mutationFn: (version: number) =>
      unwrap(api.POST('/api/configurations/{id}/mapping/rollback', { params: { path: { id } }, body: { version } })),
    onSuccess: (saved) => {
      notifications.show({ message: `Version ${saved.version} is current`, color: 'green' });
      client.setQueryData(keys.mapping(id), saved);
      onRolledBack(saved.plan);
      return client.invalidateQueries({ queryKey: keys.versions(id) });
    },
    onError: (e) => notifications.show({ title: 'Not rolled back', message: describe(e), color: 'red' }),
  });

  if (versions.isPending) return <Loading label="Loading versions" />;
  if (versions.isError) return <ErrorNotice error={versions.error} retry={() => versions.refetch()} />;
  if (versions.data.length === 0)
    return (
      <EmptyState title="No version saved yet">
        Each save of the plan becomes a version you can compare and return to.
      </EmptyState>
    );
  const newest = Math.max(...versions.data.map((v) => v.version));

  return (
    <>
      <Table aria-label="Plan versions" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Version</Table.Th>
            <Table.Th>Saved</Table.Th>
            <Table.Th>By</Table.Th>
            <Table.Th>Why</Table.Th>
            <Table.Th>Users failing at save</Table.Th>
            <Table.Th>Actions</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.data.map((v) => (
            <Table.Tr key={v.version}>
              <Table.Td>
                {v.version} {v.version === newest && <Badge variant="light">current</Badge>}
              </Table.Td>
              <Table.Td>{formatDateTime(v.created)}</Table.Td>
              <Table.Td>{v.createdBy}</Table.Td>
              <Table.Td>{v.comment || '—'}</Table.Td>
              <Table.Td>{v.failingUsers ?? '—'}</Table.Td>
              <Table.Td>
                {v.version !== newest && (
                  <Group gap="xs">
                    <Button size="xs" variant="light" onClick={() => setDiffFrom(v.version)}>
                      Compare with current
                    </Button>
                    <Button
                      size="xs"
                      variant="light"
                      onClick={() => rollback.mutate(v.version)}
                      loading={rollback.isPending}
                    >
                      Roll back to it
                    </Button>
                  </Group>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Modal
        opened={diffFrom !== null}
        onClose={() => setDiffFrom(null)}
        title={`Version ${diffFrom} → current`}
        size="xl"
      >
        {diff.isPending ? (
          <Loading label="Comparing" />
        ) : diff.isError ? (
          <ErrorNotice error={diff.error} />
        ) : diff.data.length === 0 ? (
          <Text>No differences.</Text>
        ) : (
          <Stack gap="xs">
            {diff.data.map((d) => (
              <div key={d.path}>
                <Text ff="monospace" fw={600} size="sm">
                  {d.path}
                </Text>
                <Group gap="xs" wrap="nowrap" align="flex-start">
                  <Code block c="red" style={{ flex: 1 }}>
                    {JSON.stringify(d.old, null, 1)}
                  </Code>
                  <Code block c="green" style={{ flex: 1 }}>
                    {JSON.stringify(d.new, null, 1)}
                  </Code>
                </Group>
              </div>
            ))}
          </Stack>
        )}
      </Modal>
    </>
  );
}
