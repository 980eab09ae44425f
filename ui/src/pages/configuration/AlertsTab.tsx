import { Button, Group, Stack, Title } from '@mantine/core';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { IconPlus } from '@tabler/icons-react';
import { useState } from 'react';
import { api, unwrap, type Configuration } from '../../api/client';
import { may, useMe } from '../../api/me';
import { keys } from '../../api/queries';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { AlertHistory, RuleForm, RulesTable } from '../alerts/AlertRules';

/** Alert rules of the configuration (failures, silence, tokens used, expiring or due for rotation) and their history. */
export function AlertsTab({ configuration }: { configuration: Configuration }) {
  const id = configuration.id;
  const writable = may(useMe(id).data, 'alerts', 'write');
  const client = useQueryClient();
  const rules = useQuery({
    queryKey: keys.alerts(id),
    queryFn: () => unwrap(api.GET('/api/configurations/{id}/alerts', { params: { path: { id } } })),
  });
  const history = useQuery({
    queryKey: [...keys.alerts(id), 'history'],
    queryFn: () => unwrap(api.GET('/api/alerts', { params: { query: { configuration: id, limit: 50 } } })),
  });
  const refresh = () => {
    void client.invalidateQueries({ queryKey: ['alert-rules'] });
    return client.invalidateQueries({ queryKey: keys.alerts(id) });
  };
  const [adding, setAdding] = useState(false);

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2} size="h3">
          Alert rules
        </Title>
        {writable && (
          <Button leftSection={<IconPlus size={16} />} onClick={() => setAdding(true)}>
            Add rule
          </Button>
        )}
      </Group>
      {rules.isPending ? (
        <Loading label="Loading alert rules" />
      ) : rules.isError ? (
        <ErrorNotice error={rules.error} retry={() => rules.refetch()} />
      ) : rules.data.length === 0 ? (
        <EmptyState title="No alert rule">
          Get told when provisioning breaks: too many failures, no traffic for hours (the IdP stopped), or a revoked
          token still in use. Alerts show as notifications, can call a webhook (Slack, Teams, your pager) and be
          emailed.
        </EmptyState>
      ) : (
        <RulesTable rules={rules.data} writable={writable} onChanged={refresh} />
      )}
      <Title order={3} size="h4">
        History
      </Title>
      {history.isError ? <ErrorNotice error={history.error} /> : <AlertHistory events={history.data ?? []} />}
      <RuleForm configurationId={id} opened={adding} onClose={() => setAdding(false)} onSaved={refresh} />
    </Stack>
  );
}
