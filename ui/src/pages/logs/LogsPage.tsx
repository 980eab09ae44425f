import { Stack, Text, Title } from '@mantine/core';
import { LogsView } from './LogsView';

/** Every configuration's provisioning log. */
export function LogsPage() {
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Provisioning logs
        </Title>
        <Text c="dimmed">Every SCIM request, as it happens: who sent it, what it changed, and what went wrong.</Text>
      </div>
      <LogsView />
    </Stack>
  );
}
