import { Stack, Text, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { LogsView } from './LogsView';

/** Every configuration's provisioning log. */
export function LogsPage() {
  // Links may open the log filtered (`?configuration=…&direction=outbound`, `&text=<user>`).
  const [params] = useSearchParams();
  const initial = {
    configuration: params.get('configuration') ?? undefined,
    direction: params.get('direction') ?? undefined,
    text: params.get('text') ?? undefined,
  };
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Provisioning logs
        </Title>
        <Text c="dimmed">Every SCIM request, as it happens: who sent it, what it changed, and what went wrong.</Text>
      </div>
      <LogsView initial={initial} />
    </Stack>
  );
}
