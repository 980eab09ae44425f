import {
  ActionIcon,
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Menu,
  Modal,
  NumberInput,
  Select,
  Stack,
  Switch,
  Text,
  TextInput,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { IconDots, IconPencil, IconSend, IconTrash } from '@tabler/icons-react';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, describe, unwrap, type Schemas } from '../../api/client';
import { controls, DataTable, type DataColumn } from '../../components/DataTable';
import { formatDateTime } from '../../format';

type Kind = Schemas['AlertCondition']['kind'];
type Rule = Schemas['AlertRule'];

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

/** The form's starting numbers: the rule's own, or defaults. */
function fieldsOf(rule?: Rule): ConditionFields & { kind: Kind } {
  const c = (rule?.condition ?? { kind: 'failureRate' }) as Partial<ConditionFields> & { kind: Kind };
  return {
    kind: c.kind,
    percent: c.percent ?? 20,
    minutes: c.minutes ?? 15,
    hours: c.hours ?? 6,
    days: c.days ?? (c.kind === 'rotationOverdue' ? 0 : 14),
  };
}

/**
 * Adds a rule to a configuration, or edits one: its name, condition, recipients and webhook (a
 * webhook is shown by its origin only: typing a new address replaces it, and it can be removed).
 */
export function RuleForm({
  configurationId,
  rule,
  opened,
  onClose,
  onSaved,
}: {
  configurationId: string;
  rule?: Rule;
  opened: boolean;
  onClose: () => void;
  onSaved: () => void;
}) {
  const start = fieldsOf(rule);
  const [name, setName] = useState('');
  const [kind, setKind] = useState<Kind>(start.kind);
  const [percent, setPercent] = useState<number | string>(start.percent);
  const [minutes, setMinutes] = useState<number | string>(start.minutes);
  const [hours, setHours] = useState<number | string>(start.hours);
  const [days, setDays] = useState<number | string>(start.days);
  const [webhook, setWebhook] = useState('');
  const [removeWebhook, setRemoveWebhook] = useState(false);
  const [emailTo, setEmailTo] = useState('');
  useEffect(() => {
    if (!opened) return;
    const f = fieldsOf(rule);
    setName(rule?.name ?? '');
    setKind(f.kind);
    setPercent(f.percent);
    setMinutes(f.minutes);
    setHours(f.hours);
    setDays(f.days);
    setWebhook('');
    setRemoveWebhook(false);
    setEmailTo((rule?.emailTo ?? []).join(', '));
  }, [opened, rule]);
  const condition = () =>
    conditionOf(kind, { percent: Number(percent), minutes: Number(minutes), hours: Number(hours), days: Number(days) });
  const save = useMutation({
    mutationFn: () =>
      rule
        ? unwrap(
            api.PATCH('/api/alerts/rules/{rule}', {
              params: { path: { rule: rule.id } },
              body: {
                name: name.trim(),
                condition: condition(),
                emailTo: recipients(emailTo),
                // Absent keeps the webhook; null removes it; an address replaces it.
                ...(removeWebhook ? { webhookUrl: null } : webhook.trim() ? { webhookUrl: webhook.trim() } : {}),
              },
            }),
          )
        : unwrap(
            api.POST('/api/configurations/{id}/alerts', {
              params: { path: { id: configurationId } },
              body: {
                name: name.trim(),
                condition: condition(),
                webhookUrl: webhook.trim() || null,
                emailTo: recipients(emailTo),
                enabled: true,
              },
            }),
          ),
    onSuccess: () => {
      onSaved();
      onClose();
    },
  });
  return (
    <Modal opened={opened} onClose={onClose} title={rule ? `Edit ${rule.name}` : 'Add an alert rule'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          save.mutate();
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
              value={days}
              onChange={setDays}
            />
          )}
          {kind === 'rotationOverdue' && (
            <NumberInput
              label="Warn ahead (days)"
              description="Fires this many days before the token policy's rotation date (0: once a token is overdue). Set the rotation period under Policy & compatibility."
              min={0}
              max={365}
              value={days}
              onChange={setDays}
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
            label={rule?.webhook ? 'New webhook address (optional)' : 'Webhook (optional)'}
            placeholder="https://hooks.example.com/…"
            description={
              rule?.webhook
                ? `Now ${rule.webhook}… (the rest is kept secret). Leave empty to keep it.`
                : 'Receives each alert as a JSON POST.'
            }
            value={webhook}
            disabled={removeWebhook}
            onChange={(e) => setWebhook(e.currentTarget.value)}
          />
          {rule?.webhook && (
            <Checkbox
              label="Remove the webhook"
              checked={removeWebhook}
              onChange={(e) => setRemoveWebhook(e.currentTarget.checked)}
            />
          )}
          {save.isError && (
            <Alert color="red" role="alert">
              {describe(save.error)}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={save.isPending}>
              {rule ? 'Save' : 'Add'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** Alert rules as a table: state, switch, and (for writers) edit, webhook test and removal. */
export function RulesTable({
  rules,
  writable,
  names,
  onChanged,
}: {
  rules: Rule[];
  writable: boolean;
  /** Configuration names by id: shows a Configuration column (the Alerts page). */
  names?: Map<string, string>;
  onChanged: () => void;
}) {
  const client = useQueryClient();
  const [editing, setEditing] = useState<Rule | undefined>();
  const toggle = useMutation({
    mutationFn: ({ rule, enabled }: { rule: number; enabled: boolean }) =>
      unwrap(api.PATCH('/api/alerts/rules/{rule}', { params: { path: { rule } }, body: { enabled } })),
    onSuccess: onChanged,
    onError: (e) => notifications.show({ title: 'Not changed', message: describe(e), color: 'red' }),
  });
  const remove = useMutation({
    mutationFn: (rule: number) => unwrap(api.DELETE('/api/alerts/rules/{rule}', { params: { path: { rule } } })),
    onSuccess: onChanged,
    onError: (e) => notifications.show({ title: 'Not removed', message: describe(e), color: 'red' }),
  });
  const test = useMutation({
    mutationFn: (rule: Rule) =>
      unwrap(api.POST('/api/alerts/rules/{rule}/test', { params: { path: { rule: rule.id } } })),
    onSuccess: (answer, rule) =>
      notifications.show({ title: `Webhook of ${rule.name} reached`, message: answer.detail, color: 'green' }),
    onError: (e, rule) =>
      notifications.show({ title: `Webhook of ${rule.name} not reached`, message: describe(e), color: 'red' }),
    onSettled: () => client.invalidateQueries({ queryKey: ['audit'] }),
  });
  const columns: DataColumn<Rule>[] = [
    ...(names
      ? [
          {
            id: 'configuration',
            header: 'Configuration',
            accessorFn: (r: Rule) => names.get(r.configurationId) ?? r.configurationId,
            cell: ({ row: { original: r } }: { row: { original: Rule } }) => (
              <Anchor component={Link} to={`/configurations/${r.configurationId}/alerts`}>
                {names.get(r.configurationId) ?? r.configurationId}
              </Anchor>
            ),
          } as DataColumn<Rule>,
        ]
      : []),
    { id: 'name', header: 'Name', accessorFn: (r) => r.name, enableHiding: false },
    { id: 'when', header: 'When', accessorFn: (r) => r.description },
    {
      id: 'sentTo',
      header: 'Sent to',
      accessorFn: (r) => [r.webhook, ...(r.emailTo ?? [])].filter(Boolean).join(', ') || '—',
      cell: ({ getValue }) => <span style={{ overflowWrap: 'anywhere' }}>{String(getValue())}</span>,
    },
    {
      id: 'state',
      header: 'State',
      accessorFn: (r) => (r.firingSince ? 'firing' : 'ok'),
      cell: ({ row: { original: r } }) =>
        r.firingSince ? (
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
        ),
    },
    {
      id: 'enabled',
      header: 'Enabled',
      accessorFn: (r) => (r.enabled ? 'enabled' : 'disabled'),
      cell: ({ row: { original: r } }) => (
        <Switch
          checked={r.enabled}
          disabled={!writable}
          aria-label={`${r.enabled ? 'Disable' : 'Enable'} ${r.name}`}
          onChange={(e) => toggle.mutate({ rule: r.id, enabled: e.currentTarget.checked })}
        />
      ),
    },
    {
      id: 'actions',
      header: 'Actions',
      ...controls,
      cell: ({ row: { original: r } }) =>
        writable ? (
          <Menu position="bottom-end" withinPortal>
            <Menu.Target>
              <ActionIcon variant="subtle" aria-label={`Actions for ${r.name}`}>
                <IconDots size={16} />
              </ActionIcon>
            </Menu.Target>
            <Menu.Dropdown>
              <Menu.Item leftSection={<IconPencil size={16} />} onClick={() => setEditing(r)}>
                Edit
              </Menu.Item>
              <Menu.Item leftSection={<IconSend size={16} />} disabled={!r.webhook} onClick={() => test.mutate(r)}>
                Test webhook
              </Menu.Item>
              <Menu.Item color="red" leftSection={<IconTrash size={16} />} onClick={() => remove.mutate(r.id)}>
                Remove
              </Menu.Item>
            </Menu.Dropdown>
          </Menu>
        ) : (
          '—'
        ),
    },
  ];
  return (
    <>
      <DataTable
        label="Alert rules"
        data={rules}
        columns={columns}
        rowKey={(r) => String(r.id)}
        filterPlaceholder="Filter by name, condition, recipient or state"
        minWidth={720}
      />
      <RuleForm
        configurationId={editing?.configurationId ?? ''}
        rule={editing}
        opened={editing !== undefined}
        onClose={() => setEditing(undefined)}
        onSaved={onChanged}
      />
    </>
  );
}

/** Where an alert was sent and what came back. */
function delivery(a: Schemas['AlertEvent']): string {
  return (
    [
      a.webhook ? `webhook ${a.webhook}${a.webhookDetail ? `: ${a.webhookDetail}` : ''}` : '',
      a.email ? `email ${a.email}${a.emailDetail ? `: ${a.emailDetail}` : ''}` : '',
    ]
      .filter(Boolean)
      .join('; ') || '—'
  );
}

const historyColumns: DataColumn<Schemas['AlertEvent']>[] = [
  {
    id: 'at',
    header: 'When',
    accessorFn: (a) => a.at,
    enableGlobalFilter: false,
    cell: ({ row }) => <span style={{ whiteSpace: 'nowrap' }}>{formatDateTime(row.original.at)}</span>,
  },
  {
    id: 'kind',
    header: 'Event',
    accessorFn: (a) => a.kind,
    cell: ({ row: { original: a } }) => (
      <Badge color={a.kind === 'raised' ? 'red' : 'green'} miw="fit-content">
        {a.kind}
      </Badge>
    ),
  },
  { id: 'rule', header: 'Rule', accessorFn: (a) => a.ruleName },
  { id: 'message', header: 'Message', accessorFn: (a) => a.message },
  { id: 'delivery', header: 'Delivery', accessorFn: delivery },
];

/** The history of alerts raised and resolved, with each webhook call's and email's outcome. */
export function AlertHistory({ events }: { events: Schemas['AlertEvent'][] }) {
  if (events.length === 0)
    return (
      <Text size="sm" c="dimmed">
        No alert raised yet.
      </Text>
    );
  return (
    <DataTable
      label="Alert history"
      data={events}
      columns={historyColumns}
      rowKey={(a) => String(a.seq)}
      filterPlaceholder="Filter by rule, message or delivery"
      initialSort={[{ id: 'at', desc: true }]}
      minWidth={720}
    />
  );
}
