import { Anchor, Badge, Group, Paper, SegmentedControl, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Link } from 'react-router';
import { api, unwrap, type Configuration } from '../api/client';
import { Chart, type Series } from '../components/Chart';
import { EmptyState, ErrorNotice, Loading } from '../components/States';
import { formatDateTime } from '../format';
import { failureSearch } from './logs/filters';

const windows = {
  hour: { interval: 'minute', ms: 3_600_000, label: 'Last hour' },
  day: { interval: 'hour', ms: 86_400_000, label: 'Last 24 hours' },
  month: { interval: 'day', ms: 30 * 86_400_000, label: 'Last 30 days' },
} as const;

function Figure({ label, value, color }: { label: string; value: string; color?: string }) {
  return (
    <Paper withBorder p="sm">
      <Text size="xs" c="dimmed" tt="uppercase" fw={600}>
        {label}
      </Text>
      <Text size="xl" fw={700} c={color}>
        {value}
      </Text>
    </Paper>
  );
}

/** A ranked list of names with their counts (errors, refused attributes). */
function RankedTable({
  title,
  items,
  color,
  monospace = false,
  link,
}: {
  title: string;
  items: { name: string; count: number }[];
  color: string;
  monospace?: boolean;
  /** The log search each row opens. */
  link: (name: string) => string;
}) {
  return (
    <Paper withBorder p="sm">
      <Text fw={600} mb="xs">
        {title}
      </Text>
      {items.length === 0 ? (
        <Text size="sm" c="dimmed">
          None.
        </Text>
      ) : (
        <Table aria-label={title}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{monospace ? 'Attribute' : 'Error'}</Table.Th>
              <Table.Th>Failures</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {items.map((r) => (
              <Table.Tr key={r.name}>
                <Table.Td ff={monospace ? 'monospace' : undefined}>
                  <Anchor component={Link} to={link(r.name)} title={`Search the log for these failures`}>
                    {r.name}
                  </Anchor>
                </Table.Td>
                <Table.Td>
                  <Badge color={color} variant="light">
                    {r.count}
                  </Badge>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </Paper>
  );
}

/** Requests, failures and latency over time, for one configuration or all of them. */
export function StatsView({ configuration }: { configuration?: Configuration }) {
  const [window, setWindow] = useState<keyof typeof windows>('day');
  const w = windows[window];
  const stats = useQuery({
    queryKey: ['stats', configuration?.id, window],
    refetchInterval: 30_000,
    queryFn: () =>
      unwrap(
        api.GET('/api/logs/stats', {
          params: {
            query: {
              configuration: configuration?.id,
              interval: w.interval,
              since: new Date(Date.now() - w.ms).toISOString(),
            },
          },
        }),
      ),
  });
  const chart = useMemo(() => {
    const bars = stats.data?.bars ?? [];
    const times = bars.map((b) => new Date(b.start).getTime() / 1000);
    const traffic: Series[] = [
      { label: 'Requests', color: '#228be6', values: bars.map((b) => b.requests), bars: true },
      { label: 'Failures', color: '#fa5252', values: bars.map((b) => b.failures), bars: true },
      { label: 'Writes', color: '#40c057', values: bars.map((b) => b.writes) },
    ];
    const latency: Series[] = [{ label: 'Mean latency', color: '#7950f2', values: bars.map((b) => b.meanMs ?? null) }];
    const range: [number, number] | undefined = stats.data
      ? [new Date(stats.data.since).getTime() / 1000, new Date(stats.data.until).getTime() / 1000]
      : undefined;
    return { times, traffic, latency, range };
  }, [stats.data]);

  if (stats.isPending) return <Loading label="Loading statistics" />;
  if (stats.isError) return <ErrorNotice error={stats.error} retry={() => stats.refetch()} />;
  const s = stats.data;

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h3">
          Traffic
        </Title>
        <SegmentedControl
          aria-label="Time window"
          value={window}
          onChange={(v) => setWindow(v as keyof typeof windows)}
          data={Object.entries(windows).map(([value, x]) => ({ value, label: x.label }))}
        />
      </Group>
      <SimpleGrid cols={{ base: 2, md: 5 }}>
        <Figure label="Requests" value={s.totals.requests.toLocaleString()} />
        <Figure
          label="Failures"
          value={s.totals.failures.toLocaleString()}
          color={s.totals.failures ? 'red' : undefined}
        />
        <Figure label="Error rate" value={`${(s.errorRate * 100).toFixed(1)} %`} />
        <Figure
          label="Latency p50 / p99"
          value={s.latency ? `${s.latency.p50Ms.toFixed(1)} / ${s.latency.p99Ms.toFixed(1)} ms` : '—'}
        />
        <Figure
          label="Last clean cycle"
          value={s.lastSuccessfulCycle ? formatDateTime(s.lastSuccessfulCycle.end) : '—'}
        />
      </SimpleGrid>
      {s.totals.requests === 0 ? (
        <EmptyState title="No traffic in this window">
          Charts fill in as the identity provider calls the endpoint. Choose a longer window, or start provisioning.
        </EmptyState>
      ) : (
        <>
          <Paper withBorder p="sm">
            <Chart
              title={`Requests, failures and writes per ${w.interval}`}
              times={chart.times}
              series={chart.traffic}
              range={chart.range}
            />
          </Paper>
          <Paper withBorder p="sm">
            <Chart
              title={`Mean latency per ${w.interval}`}
              times={chart.times}
              series={chart.latency}
              unit=" ms"
              height={180}
              range={chart.range}
            />
          </Paper>
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <RankedTable
              title="Most frequent errors"
              items={s.topErrorTypes}
              color="red"
              link={(name) => failureSearch('type', name, s.since, configuration?.id)}
            />
            <RankedTable
              title="Attributes most often refused"
              items={s.topAttributes}
              color="orange"
              monospace
              link={(name) => failureSearch('attribute', name, s.since, configuration?.id)}
            />
          </SimpleGrid>
        </>
      )}
    </Stack>
  );
}
