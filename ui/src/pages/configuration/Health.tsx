import { Anchor, Badge, Paper, Stack, Text, Title, Tooltip } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api, unwrap, type Configuration, type Schemas } from '../../api/client';
import { DataTable, type DataColumn } from '../../components/DataTable';
import { ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

type Health = Schemas['ConfigurationHealth'];
type FailingUser = Health['users'][number];

export const stateColors: Record<Schemas['HealthState'], string> = {
  healthy: 'green',
  degraded: 'yellow',
  failing: 'red',
};

/** The users whose last request failed: the failure opens their log records. */
function userColumns(configuration: string): DataColumn<FailingUser>[] {
  return [
    { id: 'user', header: 'User', accessorFn: (u) => u.user, enableHiding: false },
    {
      id: 'at',
      header: 'Last failure',
      accessorFn: (u) => u.at,
      enableGlobalFilter: false,
      cell: ({ row: { original: u } }) => (
        <>
          <Anchor
            component={Link}
            to={`/logs?configuration=${configuration}&text=${encodeURIComponent(u.user)}`}
            size="sm"
          >
            {formatDateTime(u.at)}
          </Anchor>
          <Text size="xs" c="dimmed">
            {u.method} · {u.status}
            {u.scimType ? ` ${u.scimType}` : ''}
          </Text>
        </>
      ),
    },
    {
      id: 'why',
      header: 'Why',
      accessorFn: (u) => u.detail ?? '—',
      cell: ({ row }) => (
        <Text size="sm" lineClamp={2}>
          {row.original.detail ?? '—'}
        </Text>
      ),
    },
    {
      id: 'since',
      header: 'Since',
      accessorFn: (u) => (u.recovered ? `recovered ${u.recovered}` : 'still failing'),
      cell: ({ row: { original: u } }) =>
        u.recovered ? (
          <Badge color="green" variant="light" style={{ minWidth: 'max-content' }}>
            recovered {formatDateTime(u.recovered)}
          </Badge>
        ) : (
          <Badge color="red" variant="light" style={{ minWidth: 'max-content' }}>
            still failing
          </Badge>
        ),
    },
  ];
}

/** The configuration's health, refreshed every half minute. */
export function useHealth(configuration: Configuration, enabled = true) {
  return useQuery({
    queryKey: ['health', configuration.id],
    enabled,
    refetchInterval: 30_000,
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/health', { params: { path: { id: configuration.id } } })),
  });
}

/** The health as a badge whose tooltip gives the reason (the configuration page's header). */
export function HealthBadge({ configuration }: { configuration: Configuration }) {
  const health = useHealth(configuration);
  if (!health.data) return null;
  const h = health.data;
  return (
    <Tooltip label={h.reason} multiline w={360}>
      <Badge
        component={Link}
        to={`/configurations/${configuration.id}/monitoring`}
        color={stateColors[h.state]}
        variant="light"
        data-testid="health-badge"
        style={{ cursor: 'pointer' }}
      >
        {h.state}
      </Badge>
    </Tooltip>
  );
}

/** Per user, the last failure and whether a later request succeeded (the Monitoring tab). */
export function HealthPanel({ configuration }: { configuration: Configuration }) {
  const health = useHealth(configuration);
  if (health.isPending) return <Loading label="Loading the health" />;
  if (health.isError) return <ErrorNotice error={health.error} retry={() => health.refetch()} />;
  const h: Health = health.data;
  return (
    <Paper withBorder p="md">
      <Stack gap="sm">
        <Title order={2} size="h3">
          Health:{' '}
          <Badge size="lg" color={stateColors[h.state]} variant="light" data-testid="health-state">
            {h.state}
          </Badge>
        </Title>
        <Text size="sm">{h.reason}</Text>
        <Text size="sm" c="dimmed">
          Last hour: {h.requestsLastHour} requests, {h.failuresLastHour} failed. Users whose request failed in the last{' '}
          {h.hours} hours: {h.unresolved} still failing, {h.recovered} recovered.
        </Text>
        {h.users.length > 0 && (
          <DataTable
            label="Users with failures"
            data={h.users}
            columns={userColumns(configuration.id)}
            rowKey={(u) => `${u.user}-${u.seq}`}
            filterPlaceholder="Filter by user or reason"
            initialSort={[{ id: 'at', desc: true }]}
            minWidth={720}
          />
        )}
      </Stack>
    </Paper>
  );
}
