import { Badge, Code, Drawer, Group, SimpleGrid, Stack, Table, Text } from '@mantine/core';
import type { LogEntry } from '../../api/client';
import { formatDateTime, formatMicros } from '../../format';
import { outcomeColor } from './LogTable';

function Body({ title, body }: { title: string; body: unknown }) {
  if (body === null || body === undefined) return null;
  return (
    <div>
      <Text fw={600} size="sm" mb={4}>
        {title}
      </Text>
      <Code block>{typeof body === 'string' ? body : JSON.stringify(body, null, 2)}</Code>
    </div>
  );
}

/** One record: the request, what it changed, and the answer. */
export function EntryDetail({ entry, onClose }: { entry: LogEntry | null; onClose: () => void }) {
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
          <Group>
            <Badge color={outcomeColor[entry.outcome]}>{entry.outcome}</Badge>
            <Badge variant="light">{entry.status}</Badge>
            <Text ff="monospace" size="sm">
              {entry.method} {entry.path}
            </Text>
          </Group>
          <SimpleGrid cols={2} spacing="xs">
            <Text size="sm">When: {formatDateTime(entry.at)}</Text>
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
            <Text size="sm">Resource: {entry.resourceName ?? entry.resourceId ?? '—'}</Text>
            <Text size="sm">User agent: {entry.userAgent ?? '—'}</Text>
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
                      <Table.Td ff="monospace">{c.redacted ? '(hidden)' : JSON.stringify(c.old ?? null)}</Table.Td>
                      <Table.Td ff="monospace">{c.redacted ? '(hidden)' : JSON.stringify(c.new ?? null)}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </div>
          )}
          <Body title="Request body" body={entry.requestBody} />
          <Body title="Response body" body={entry.responseBody} />
        </Stack>
      )}
    </Drawer>
  );
}
