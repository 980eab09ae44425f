import { ActionIcon, Anchor, Badge, Drawer, Group, SimpleGrid, Stack, Table, Text, Tooltip } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { IconLink } from '@tabler/icons-react';
import { Link } from 'react-router';
import type { LogEntry } from '../../api/client';
import { JsonView } from '../../components/JsonView';
import { formatDateTime, formatMicros } from '../../format';
import { copyText } from '../../native';
import { outcomeColor } from './LogTable';

/** The resource a record concerns: a link to its directory entry and to all its records. */
function ResourceLinks({ entry }: { entry: LogEntry }) {
  const name = entry.resourceName ?? entry.resourceId;
  if (!name) return <Text size="sm">Resource: —</Text>;
  const kind = entry.resourceType === 'Group' ? 'group' : 'user';
  return (
    <Text size="sm">
      Resource:{' '}
      {entry.resourceId && entry.direction !== 'outbound' ? (
        <Anchor
          component={Link}
          to={`/configurations/${entry.configurationId}/directory?${kind}=${encodeURIComponent(entry.resourceId)}`}
        >
          {name}
        </Anchor>
      ) : (
        name
      )}
      {entry.resourceId && (
        <>
          {' · '}
          <Anchor component={Link} to={`/logs?resource=${encodeURIComponent(entry.resourceId)}`}>
            all events of this resource
          </Anchor>
        </>
      )}
    </Text>
  );
}

/** One record: the request, what it changed, and the answer. */
export function EntryDetail({
  entry,
  onClose,
  configurationName,
}: {
  entry: LogEntry | null;
  onClose: () => void;
  configurationName?: string;
}) {
  const changes = (entry?.changes ?? []) as unknown as {
    path: string;
    old?: unknown;
    new?: unknown;
    redacted?: boolean;
  }[];
  return (
    <Drawer opened={entry !== null} onClose={onClose} position="right" size="xl" title="Log entry">
      {entry && (
        <Stack>
          <Group wrap="nowrap" align="flex-start">
            <Badge color={outcomeColor[entry.outcome]} style={{ flexShrink: 0 }}>
              {entry.outcome}
            </Badge>
            <Badge variant="light" style={{ flexShrink: 0 }}>
              {entry.status}
            </Badge>
            <Text ff="monospace" size="sm" style={{ overflowWrap: 'anywhere', flex: 1 }}>
              {entry.method} {entry.path}
            </Text>
            <Tooltip label="Copy the link to this record">
              <ActionIcon
                variant="subtle"
                aria-label="Copy the link to this record"
                onClick={() =>
                  copyText(`${window.location.origin}/logs?entry=${entry.seq}`).then(() =>
                    notifications.show({ message: 'Link to the record copied' }),
                  )
                }
              >
                <IconLink size={16} />
              </ActionIcon>
            </Tooltip>
          </Group>
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
            <Text size="sm">When: {formatDateTime(entry.at)}</Text>
            <Text size="sm">
              Configuration:{' '}
              <Anchor component={Link} to={`/configurations/${entry.configurationId}`}>
                {configurationName ?? entry.configurationId}
              </Anchor>
            </Text>
            <Text size="sm">Took: {formatMicros(entry.durationUs)}</Text>
            {entry.direction === 'outbound' ? (
              <>
                <Text size="sm">Sent by a pilot run, behaving like: {entry.client}</Text>
                <Text size="sm">To target: {entry.source}</Text>
              </>
            ) : (
              <>
                <Text size="sm">Client: {entry.client}</Text>
                <Text size="sm">From: {entry.source}</Text>
              </>
            )}
            <Text size="sm">Operation: {entry.operation}</Text>
            <Text size="sm">Credential: {entry.credential ?? '—'}</Text>
            <ResourceLinks entry={entry} />
            <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
              User agent: {entry.userAgent ?? '—'}
            </Text>
          </SimpleGrid>
          {entry.detail && (
            <Text size="sm" c={entry.outcome === 'failure' ? 'red' : undefined}>
              {entry.scimType ? `${entry.scimType}: ` : ''}
              {entry.detail}
            </Text>
          )}
          {entry.refusal && <Text size="sm">Credential refused: {entry.refusal}</Text>}
          {(entry.switches ?? []).length > 0 && (
            <Group gap="xs" data-testid="entry-switches">
              <Text size="sm">Accepted thanks to the compatibility switches:</Text>
              {entry.switches.map((s) => (
                <Badge key={s} variant="outline" color="orange" ff="monospace" tt="none">
                  {s}
                </Badge>
              ))}
            </Group>
          )}
          {changes.length > 0 && (
            <div>
              <Text fw={600} size="sm" mb={4}>
                Changed attributes
              </Text>
              <Table aria-label="Changed attributes" verticalSpacing={4}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Attribute</Table.Th>
                    <Table.Th>Before</Table.Th>
                    <Table.Th>After</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {changes.map((c, i) => (
                    <Table.Tr key={i}>
                      <Table.Td ff="monospace">{c.path}</Table.Td>
                      <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                        {c.redacted ? '(hidden)' : JSON.stringify(c.old ?? null)}
                      </Table.Td>
                      <Table.Td ff="monospace" style={{ overflowWrap: 'anywhere' }}>
                        {c.redacted ? '(hidden)' : JSON.stringify(c.new ?? null)}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
          <JsonView title="Request body" body={entry.requestBody} />
          <JsonView title="Response body" body={entry.responseBody} />
        </Stack>
      )}
    </Drawer>
  );
}
