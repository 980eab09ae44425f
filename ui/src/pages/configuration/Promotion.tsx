import { Alert, Badge, Button, Code, Group, Select, Stack, Table, Text, Title } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconArrowBackUp, IconRocket } from '@tabler/icons-react';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration, type Schemas } from '../../api/client';
import { keys, useConfigurations } from '../../api/queries';
import { Confirm } from '../../components/Confirm';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

type Section = Schemas['PlanSection'];

export const sectionLabels: Record<Section, string> = {
  fields: 'Fields',
  validators: 'Validators',
  rules: 'Rules',
  matching: 'Matching',
  scoping: 'Scoping',
  settings: 'Settings',
};

/** A value of the diff, compact. */
export function shown(value: unknown): string {
  if (value === null || value === undefined) return '—';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/**
 * QA → production (the Mapping tab's Promote view of a QA configuration): pair it with its
 * production configuration, compare the two current plans side by side, promote with one
 * confirmation, and roll production back in a click.
 */
export function PromotionPanel({ configuration, writable }: { configuration: Configuration; writable: boolean }) {
  const client = useQueryClient();
  const id = configuration.id;
  const key = ['promotion', id];
  const configurations = useConfigurations();
  const promotion = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/promotion', { params: { path: { id } } })),
  });
  const [production, setProduction] = useState<string | null>(null);
  const [asking, setAsking] = useState(false);
  const [promoted, setPromoted] = useState<Schemas['Promoted'] | null>(null);
  const refresh = () => client.invalidateQueries({ queryKey: key });
  const pair = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/configurations/{id}/promotion', {
          params: { path: { id } },
          body: { production: production ?? '' },
        }),
      ),
    onSuccess: refresh,
  });
  const unpair = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/configurations/{id}/promotion', { params: { path: { id } } })),
    onSuccess: () => {
      setPromoted(null);
      return refresh();
    },
  });
  const promote = useMutation({
    mutationFn: (qaVersion: number) =>
      unwrap(
        api.POST('/api/configurations/{id}/promotion/promote', {
          params: { path: { id } },
          body: { qaVersion },
        }),
      ),
    onSuccess: async (done) => {
      setAsking(false);
      setPromoted(done);
      await refresh();
      await client.invalidateQueries({ queryKey: keys.mapping(done.production.id) });
    },
  });
  const rollback = useMutation({
    mutationFn: (p: Schemas['Promoted']) =>
      unwrap(
        api.POST('/api/configurations/{id}/mapping/rollback', {
          params: { path: { id: p.production.id } },
          body: { version: p.previousVersion ?? 0 },
        }),
      ),
    onSuccess: async (_, p) => {
      notifications.show({
        color: 'green',
        message: `${p.production.name} rolled back to version ${p.previousVersion}`,
      });
      setPromoted(null);
      await refresh();
    },
  });

  if (promotion.isPending) return <Loading label="Loading the promotion" />;
  if (promotion.isError) return <ErrorNotice error={promotion.error} retry={() => promotion.refetch()} />;
  const p = promotion.data;
  const others = (configurations.data ?? []).filter((c) => c.id !== id);

  if (!p.production) {
    return (
      <Stack maw={640}>
        <Title order={3} size="h4">
          Pair with a production configuration
        </Title>
        <Text size="sm" c="dimmed">
          Test the plan here (QA), then promote it to production with one confirmation: it becomes production&apos;s new
          version, and production&apos;s previous version stays a rollback away.
        </Text>
        {writable && (
          <Group align="flex-end">
            <Select
              label="Production configuration"
              data={others.map((c) => ({ value: c.id, label: c.name }))}
              value={production}
              onChange={setProduction}
              w={320}
            />
            <Button onClick={() => pair.mutate()} loading={pair.isPending} disabled={!production}>
              Pair
            </Button>
          </Group>
        )}
        {pair.isError && (
          <Alert color="red" role="alert">
            {describe(pair.error)}
          </Alert>
        )}
      </Stack>
    );
  }

  const target = p.production;
  return (
    <Stack>
      <Group justify="space-between">
        <div>
          <Title order={3} size="h4">
            {configuration.name} → {target.name}
          </Title>
          <Text size="sm" c="dimmed">
            Paired by {p.pairedBy} on {p.paired ? formatDateTime(p.paired) : '—'}. QA plan version {p.qaVersion ?? '—'},
            production version {p.productionVersion ?? 'none'}.
          </Text>
        </div>
        {writable && (
          <Group>
            <Button variant="default" onClick={() => unpair.mutate()} loading={unpair.isPending}>
              Unpair
            </Button>
            <Button
              leftSection={<IconRocket size={16} />}
              disabled={p.qaVersion == null || p.differences.length === 0}
              onClick={() => setAsking(true)}
            >
              Promote to {target.name}
            </Button>
          </Group>
        )}
      </Group>
      {promoted && (
        <Alert color="green" title={`${promoted.production.name} runs QA version ${promoted.qaVersion}`}>
          <Group justify="space-between">
            <Text size="sm">
              Saved as its version {promoted.version}
              {promoted.previousVersion != null ? `; version ${promoted.previousVersion} is one click away.` : '.'}
            </Text>
            {promoted.previousVersion != null && (
              <Button
                size="xs"
                variant="default"
                leftSection={<IconArrowBackUp size={14} />}
                loading={rollback.isPending}
                onClick={() => rollback.mutate(promoted)}
              >
                Roll back to version {promoted.previousVersion}
              </Button>
            )}
          </Group>
        </Alert>
      )}
      {p.qaVersion == null ? (
        <EmptyState title="No plan to promote">Save a mapping plan here first.</EmptyState>
      ) : p.differences.length === 0 ? (
        <Text size="sm" data-testid="no-differences">
          {target.name} already runs this plan.
        </Text>
      ) : (
        <Table aria-label="Plan differences" verticalSpacing="xs" striped layout="fixed">
          <Table.Thead>
            <Table.Tr>
              <Table.Th w={110}>Section</Table.Th>
              <Table.Th w="28%">Where</Table.Th>
              <Table.Th>{target.name} now</Table.Th>
              <Table.Th>{configuration.name} (promoted)</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {p.differences.map((d) => (
              <Table.Tr key={d.path}>
                <Table.Td>
                  <Badge variant="light">{sectionLabels[d.section]}</Badge>
                </Table.Td>
                <Table.Td>
                  <Code style={{ wordBreak: 'break-all' }}>{d.path}</Code>
                </Table.Td>
                <Table.Td>
                  <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{shown(d.production)}</Code>
                </Table.Td>
                <Table.Td>
                  <Code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>{shown(d.qa)}</Code>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Confirm
        opened={asking}
        title={`Promote to ${target.name}?`}
        confirmLabel="Promote"
        loading={promote.isPending}
        onConfirm={() => p.qaVersion != null && promote.mutate(p.qaVersion)}
        onCancel={() => setAsking(false)}
      >
        QA plan version {p.qaVersion} becomes the plan {target.name}&apos;s endpoint enforces, as a new version (
        {p.differences.length} difference{p.differences.length === 1 ? '' : 's'}).
        {p.productionVersion != null && ` Version ${p.productionVersion} stays a rollback away.`}
        {promote.isError && ` ${describe(promote.error)}`}
      </Confirm>
    </Stack>
  );
}
