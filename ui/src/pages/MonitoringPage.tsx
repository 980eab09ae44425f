import { Stack, Text, Title } from '@mantine/core';
import { StatsView } from './StatsView';

/** Traffic of every configuration together. */
export function MonitoringPage() {
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Monitoring
        </Title>
        <Text c="dimmed">Requests, failures and latency of every configuration. Open a configuration for its own.</Text>
      </div>
      <StatsView />
    </Stack>
  );
}
