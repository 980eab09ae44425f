import {
  ActionIcon,
  Alert,
  Badge,
  Button,
  Group,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
  Tooltip,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { IconPlus, IconTrash } from '@tabler/icons-react';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration, type Schemas } from '../../api/client';
import { may, useMe } from '../../api/me';
import { keys } from '../../api/queries';
import { EmptyState, ErrorNotice, Loading } from '../../components/States';
import { formatDateTime } from '../../format';

type Kind = Schemas['AlertCondition']['kind'];

/** The form's numbers. */
export interface ConditionFields {
  percent: number;
  minutes: number;
  hours: number;
  days: number;
}

/** The condition a form describes. */
export function conditionOf(kind: Kind, { percent, minutes, hours, days }: ConditionFields): Schemas['AlertCondition'] {
  switch (kind) {
    case 'failureRate':
      return { kind, percent, minutes };
    case 'noTraffic':
      return { kind, hours };
    case 'tokenExpiring':
    case 'rotationOverdue':
      return { kind, days };
    case 'revokedTokenUsed':
      return { kind, minutes };
    case 'deletionsHeld':
      return { kind };
  }
}

/** The addresses typed in a recipients box: separated by commas, semicolons or spaces. */
export function recipients(text: string): string[] {
  return text
    .split(/[\s,;]+/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** The kinds of rule, as the form offers them. */
export const kinds: { value: Kind; label: string }[] = [
  { value: 'failureRate', label: 'Too many requests fail' },
  { value: 'noTraffic', label: 'No request for a while' },
  { value: 'revokedTokenUsed', label: 'A revoked or expired token is used' },
  { value: 'tokenExpiring', label: 'A token is about to expire' },
  { value: 'rotationOverdue', label: 'A token is due for rotation' },
  { value: 'deletionsHeld', label: 'Deletions are held by the threshold' },
];

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
  const refresh = () => client.invalidateQueries({ queryKey: keys.alerts(id) });
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>('failureRate');
  const [percent, setPercent] = useState<number | string>(20);
  const [minutes, setMinutes] = useState<number | string>(15);
  const [hours, setHours] = useState<number | string>(6);
  const [expiryDays, setExpiryDays] = useState<number | string>(14);
  const [rotationDays, setRotationDays] = useState<number | string>(0);
  const [webhook, setWebhook] = useState('');
  const [emailTo, setEmailTo] = useState('');
  const create = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/configurations/{id}/alerts', {
          params: { path: { id } },
          body: {
            name: name.trim(),
            condition: conditionOf(kind, {
              percent: Number(percent),
              minutes: Number(minutes),
              hours: Number(hours),
              days: Number(kind === 'tokenExpiring' ? expiryDays : rotationDays),
            }),
            webhookUrl: webhook.trim() || null,
            emailTo: recipients(emailTo),
            enabled: true,
          },
        }),
      ),
    onSuccess: () => {
      setAdding(false);
      setName('');
      setWebhook('');
      setEmailTo('');
      return refresh();
    },
  });
  const toggle = useMutation({
    mutationFn: ({ rule, enabled }: { rule: number; enabled: boolean }) =>
      unwrap(api.PATCH('/api/alerts/rules/{rule}', { params: { path: { rule } }, body: { enabled } })),
    onSuccess: refresh,
    onError: (e) => notifications.show({ title: 'Not changed', message: describe(e), color: 'red' }),
  });
  const remove = useMutation({
    mutationFn: (rule: number) => unwrap(api.DELETE('/api/alerts/rules/{rule}', { params: { path: { rule } } })),
    onSuccess: refresh,
    onError: (e) => notifications.show({ title: 'Not removed', message: describe(e), color: 'red' }),
  });

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={3}>Alert rules</Title>
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
        <Table aria-label="Alert rules" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Name</Table.Th>
              <Table.Th>When</Table.Th>
              <Table.Th>Sent to</Table.Th>
              <Table.Th>State</Table.Th>
              <Table.Th>Enabled</Table.Th>
              <Table.Th />
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {rules.data.map((r) => (
              <Table.Tr key={r.id}>
                <Table.Td>{r.name}</Table.Td>
                <Table.Td>{r.description}</Table.Td>
                <Table.Td>{[r.webhook, ...(r.emailTo ?? [])].filter(Boolean).join(', ') || '—'}</Table.Td>
                <Table.Td>
                  {r.firingSince ? (
                    <>
                      <Badge color="red" miw="fit-content">
                        firing
                      </Badge>
                      <Text size="xs" c="dimmed">
                        since {formatDateTime(r.firingSince)}
                      </Text>
                    </>
                  ) : (
                    <Badge color="green" variant="light">
                      ok
                    </Badge>
                  )}
                </Table.Td>
                <Table.Td>
                  <Switch
                    checked={r.enabled}
                    aria-label={`${r.enabled ? 'Disable' : 'Enable'} ${r.name}`}
                    onChange={(e) => toggle.mutate({ rule: r.id, enabled: e.currentTarget.checked })}
                  />
                </Table.Td>
                <Table.Td>
                  <Tooltip label="Remove">
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove ${r.name}`}
                      onClick={() => remove.mutate(r.id)}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  </Tooltip>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Title order={4}>History</Title>
      {history.isError ? (
        <ErrorNotice error={history.error} />
      ) : (history.data ?? []).length === 0 ? (
        <Text size="sm" c="dimmed">
          No alert raised yet.
        </Text>
      ) : (
        <Table aria-label="Alert history" verticalSpacing={4}>
          <Table.Tbody>
            {(history.data ?? []).map((a) => (
              <Table.Tr key={a.seq}>
                <Table.Td>{formatDateTime(a.at)}</Table.Td>
                <Table.Td>
                  <Badge color={a.kind === 'raised' ? 'red' : 'green'} miw="fit-content">
                    {a.kind}
                  </Badge>
                </Table.Td>
                <Table.Td>{a.ruleName}</Table.Td>
                <Table.Td>{a.message}</Table.Td>
                <Table.Td>
                  {[
                    a.webhook ? `webhook ${a.webhook}${a.webhookDetail ? `: ${a.webhookDetail}` : ''}` : '',
                    a.email ? `email ${a.email}${a.emailDetail ? `: ${a.emailDetail}` : ''}` : '',
                  ]
                    .filter(Boolean)
                    .join('; ')}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      <Modal opened={adding} onClose={() => setAdding(false)} title="Add an alert rule">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            create.mutate();
          }}
        >
          <Stack>
            <TextInput
              label="Name"
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
              data-autofocus
            />
            <Select
              label="When"
              allowDeselect={false}
              value={kind}
              onChange={(v) => setKind((v as Kind) ?? 'failureRate')}
              data={kinds}
            />
            {kind === 'failureRate' && (
              <Group grow>
                <NumberInput label="Failing at least (%)" min={1} max={100} value={percent} onChange={setPercent} />
                <NumberInput label="Over (minutes)" min={1} max={1440} value={minutes} onChange={setMinutes} />
              </Group>
            )}
            {kind === 'noTraffic' && (
              <NumberInput label="For (hours)" min={1} max={720} value={hours} onChange={setHours} />
            )}
            {kind === 'revokedTokenUsed' && (
              <NumberInput label="Look back (minutes)" min={1} max={1440} value={minutes} onChange={setMinutes} />
            )}
            {kind === 'tokenExpiring' && (
              <NumberInput
                label="Warn ahead (days)"
                description="Fires this many days before a token in use expires, and while an expired one is not revoked."
                min={1}
                max={365}
                value={expiryDays}
                onChange={setExpiryDays}
              />
            )}
            {kind === 'rotationOverdue' && (
              <NumberInput
                label="Warn ahead (days)"
                description="Fires this many days before the token policy's rotation date (0: once a token is overdue). Set the rotation period under Policy & compatibility."
                min={0}
                max={365}
                value={rotationDays}
                onChange={setRotationDays}
              />
            )}
            <TextInput
              label="Email recipients (optional)"
              placeholder="ops@contoso.com, security@contoso.com"
              description="Each receives one email when the alert is raised and one when it is resolved (Settings → Email sets the relay)."
              value={emailTo}
              onChange={(e) => setEmailTo(e.currentTarget.value)}
            />
            <TextInput
              label="Webhook (optional)"
              placeholder="https://hooks.example.com/…"
              description="Receives each alert as a JSON POST."
              value={webhook}
              onChange={(e) => setWebhook(e.currentTarget.value)}
            />
            {create.isError && (
              <Alert color="red" role="alert">
                {describe(create.error)}
              </Alert>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setAdding(false)}>
                Cancel
              </Button>
              <Button type="submit" loading={create.isPending}>
                Add
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Stack>
  );
}
