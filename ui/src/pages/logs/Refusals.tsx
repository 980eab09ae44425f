import { Badge, Table, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

/** Why a credential was refused, in words. */
export const refusalReasons: Record<string, string> = {
  missing: 'no token',
  invalid: 'not a token of this configuration',
  expired: 'expired token',
  revoked: 'revoked token',
  notAllowed: 'credential kind not allowed',
};

/**
 * Requests the SCIM endpoint refused for their credential, counted per minute, source address,
 * reason and status (401, or 429 once the address is barred) rather than recorded one by one.
 */
export function Refusals({ configuration, names }: { configuration?: string; names: Map<string, string> }) {
  const refusals = useQuery({
    queryKey: ['refusals', configuration ?? ''],
    queryFn: () => unwrap(api.GET('/api/logs/refusals', { params: { query: { configuration, limit: 500 } } })),
    refetchInterval: 5_000,
  });
  if (refusals.isPending) return <Loading label="Loading refused requests" />;
  if (refusals.isError) return <ErrorNotice error={refusals.error} retry={() => refusals.refetch()} />;
  if (refusals.data.length === 0)
    return (
      <EmptyState title="No refused request">
        Requests whose token is missing, wrong, expired or revoked are answered 401 before their body is read, and
        counted here by minute, address and reason.
      </EmptyState>
    );
  return (
    <>
      <Text size="sm" c="dimmed">
        Refused requests are counted, not recorded one by one: an unauthenticated flood costs a counter, not the log's
        room.
      </Text>
      <Table aria-label="Refused requests" verticalSpacing="xs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>Minute</Table.Th>
            {!configuration && <Table.Th>Configuration</Table.Th>}
            <Table.Th>Source</Table.Th>
            <Table.Th>Reason</Table.Th>
            <Table.Th>Answer</Table.Th>
            <Table.Th>Requests</Table.Th>
            <Table.Th>Credential</Table.Th>
            <Table.Th>Client</Table.Th>
            <Table.Th>First – last</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {refusals.data.map((r) => (
            <Table.Tr key={`${r.configurationId}-${r.minute}-${r.source}-${r.reason}-${r.status}`}>
              <Table.Td>{formatDateTime(r.minute)}</Table.Td>
              {!configuration && <Table.Td>{names.get(r.configurationId) ?? r.configurationId}</Table.Td>}
              <Table.Td>{r.source}</Table.Td>
              <Table.Td>
                <Badge color={r.reason === 'revoked' || r.reason === 'expired' ? 'orange' : 'gray'} variant="light">
                  {refusalReasons[r.reason] ?? r.reason}
                </Badge>
              </Table.Td>
              <Table.Td>{r.status === 429 ? <Badge color="red">429 barred</Badge> : r.status}</Table.Td>
              <Table.Td>{r.count.toLocaleString()}</Table.Td>
              <Table.Td>{r.credential ?? '—'}</Table.Td>
              <Table.Td>{r.client}</Table.Td>
              <Table.Td>
                {formatDateTime(r.first)} – {formatDateTime(r.last)}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </>
  );
}
