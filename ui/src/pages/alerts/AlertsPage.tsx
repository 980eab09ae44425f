import { Stack, Text, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo } from 'react';
import { api, unwrap } from '../../api/client';
import { may, useMe } from '../../api/me';
import { useConfigurations } from '../../api/queries';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { AlertHistory, RulesTable } from './AlertRules';

/** Every configuration's alert rules, what fires now, and the history of alerts. */
export function AlertsPage() {
  const writable = may(useMe().data, 'alerts', 'write');
  const client = useQueryClient();
  const configurations = useConfigurations();
  const names = useMemo(() => new Map((configurations.data ?? []).map((c) => [c.id, c.name])), [configurations.data]);
  const rules = useQuery({
    queryKey: ['alert-rules'],
    queryFn: () => unwrap(api.GET('/api/alerts/rules')),
  });
  const history = useQuery({
    queryKey: ['alert-history'],
    queryFn: () => unwrap(api.GET('/api/alerts', { params: { query: { limit: 100 } } })),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['configurations'] });
    void client.invalidateQueries({ queryKey: ['alert-history'] });
    return client.invalidateQueries({ queryKey: ['alert-rules'] });
  };
  const firing = (rules.data ?? []).filter((r) => r.firingSince).length;
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Alerts
        </Title>
        <Text c="dimmed">
          {rules.data
            ? `${rules.data.length} rule${rules.data.length === 1 ? '' : 's'}, ${firing} firing. Rules are added in each configuration's Alerts tab.`
            : 'The rules that watch each configuration, and what they raised.'}
        </Text>
      </div>
      {rules.isPending ? (
        <Loading label="Loading alert rules" />
      ) : rules.isError ? (
        <ErrorNotice error={rules.error} retry={() => rules.refetch()} />
      ) : rules.data.length === 0 ? (
        <EmptyState title="No alert rule yet">
          Open a configuration and add a rule in its Alerts tab: too many failures, no traffic, a revoked token in use,
          a token expiring or due for rotation, or deletions held.
        </EmptyState>
      ) : (
        <RulesTable rules={rules.data} writable={writable} names={names} onChanged={refresh} />
      )}
      <Title order={2} size="h3">
        History
      </Title>
      {history.isPending ? (
        <Loading label="Loading the history" />
      ) : history.isError ? (
        <ErrorNotice error={history.error} />
      ) : (
        <AlertHistory events={history.data} />
      )}
    </Stack>
  );
}
