import { Stack, Text, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import { LogsView } from './LogsView';

/** Every configuration's provisioning log. */
export function LogsPage() {
  // Links may open the log filtered (`?configuration=…&direction=outbound`, `&text=<user>`,
  // `&status=409&since=…`, `?resource=<id>`) or on one record (`?entry=<seq>`).
  const [params] = useSearchParams();
  const pick = (k: string) => params.get(k) ?? undefined;
  const rest = new URLSearchParams(params);
  rest.delete('entry');
  const filterKey = rest.toString();
  const initial = {
    configuration: pick('configuration'),
    direction: pick('direction'),
    text: pick('text'),
    outcome: pick('outcome'),
    operation: pick('operation'),
    status: pick('status'),
    client: pick('client'),
    resource: pick('resource'),
    scimType: pick('scimType'),
    since: pick('since'),
    until: pick('until'),
  };
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Provisioning logs
        </Title>
        <Text c="dimmed">Every SCIM request, as it happens: who sent it, what it changed, and what went wrong.</Text>
      </div>
      {/* A link to other filters (a record's "all events of this resource") starts afresh; opening
          and closing a record (`entry`) keeps the view. */}
      <LogsView key={filterKey} initial={initial} />
    </Stack>
  );
}
