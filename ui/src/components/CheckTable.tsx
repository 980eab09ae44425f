import { Badge, Table, Text } from '@mantine/core';
import type { ConnectionReport } from '../api/client';

const verdictColor = { pass: 'green', warn: 'yellow', fail: 'red' } as const;

/** The checks of a connection test: what was asked, what came back, and what to do about it. */
export function CheckTable({ report }: { report: ConnectionReport }) {
  return (
    <Table aria-label="Connection test checks" verticalSpacing="xs">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>Check</Table.Th>
          <Table.Th>Request</Table.Th>
          <Table.Th>Result</Table.Th>
          <Table.Th>Detail</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {report.checks.map((c) => (
          <Table.Tr key={c.name}>
            <Table.Td>{c.name}</Table.Td>
            <Table.Td>
              <Text size="sm" ff="monospace">
                {c.request}
              </Text>
            </Table.Td>
            <Table.Td>
              <Badge color={verdictColor[c.verdict]} variant="light" style={{ minWidth: 'max-content' }}>
                {c.verdict}
                {c.status != null ? ` · ${c.status}` : ''}
              </Badge>
            </Table.Td>
            <Table.Td>
              <Text size="sm">{c.detail}</Text>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
