import { Badge, Button, Code, Group, Modal, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration, type Schemas } from '../../api/client';
import { keys } from '../../api/queries';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';
import type { ApiPlan } from './planText';

type Version = Schemas['PlanVersionView'];

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
  const columns: DataColumn<Version>[] = [
    {
      id: 'version',
      header: 'Version',
      accessorFn: (v) => v.version,
      enableHiding: false,
      cell: ({ row: { original: v } }) => (
        <>
          {v.version} {v.version === newest && <Badge variant="light">current</Badge>}
        </>
      ),
    },
    {
      id: 'created',
      header: 'Saved',
      accessorFn: (v) => v.created,
      enableGlobalFilter: false,
      cell: ({ row }) => formatDateTime(row.original.created),
    },
    { id: 'by', header: 'By', accessorFn: (v) => v.createdBy },
    { id: 'why', header: 'Why', accessorFn: (v) => v.comment || '—' },
    {
      id: 'failing',
      header: 'Users failing at save',
      accessorFn: (v) => v.failingUsers ?? -1,
      enableGlobalFilter: false,
      cell: ({ row }) => row.original.failingUsers ?? '—',
    },
    {
      id: 'actions',
      header: 'Actions',
      ...controls,
      cell: ({ row: { original: v } }) =>
        v.version !== newest && (
          <Group gap="xs" wrap="nowrap">
            <Button size="xs" variant="light" onClick={() => setDiffFrom(v.version)}>
              Compare with current
            </Button>
            <Button size="xs" variant="light" onClick={() => rollback.mutate(v.version)} loading={rollback.isPending}>
              Roll back to it
            </Button>
          </Group>
        ),
    },
  ];

  return (
    <>
      <DataTable
        label="Plan versions"
        data={versions.data}
        columns={columns}
        rowKey={(v) => String(v.version)}
        filterPlaceholder="Filter by who or why"
        initialSort={[{ id: 'version', desc: true }]}
        minWidth={760}
      />
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
