import { Anchor, Badge, Breadcrumbs, Button, Group, Stack, Switch, Tabs, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { IconPencil } from '@tabler/icons-react';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { describe } from '../../api/client';
import { may, useMe, type Area } from '../../api/me';
import { useConfiguration, useUpdateConfiguration } from '../../api/queries';
import { Confirm } from '../../components/Confirm';
import { ErrorNotice, Loading } from '../../components/States';
import { ConfigureDrawer } from '../ConfigureDrawer';
import { LogsView } from '../logs/LogsView';
import { StatsView } from '../StatsView';
import { AlertsTab } from './AlertsTab';
import { ConnectionTab } from './ConnectionTab';
import { DeletionThresholdPanel } from './DeletionGuard';
import { DirectoryTab } from './DirectoryTab';
import { HealthBadge, HealthPanel } from './Health';
import { MappingTab } from './MappingTab';
import { CompatibilityPanel } from './CompatibilityPanel';
import { PolicyTab } from './PolicyTab';
import { TokensTab } from './TokensTab';

/** The tabs, each shown to those whose roles may read its area on this configuration. */
const tabs: [string, string, Area][] = [
  ['connection', 'Connection', 'configurations'],
  ['tokens', 'Tokens', 'tokens'],
  ['mapping', 'Mapping', 'mapping'],
  ['directory', 'Directory', 'directory'],
  ['logs', 'Provisioning logs', 'logs'],
  ['monitoring', 'Monitoring', 'logs'],
  ['alerts', 'Alerts', 'alerts'],
  ['policy', 'Policy & compatibility', 'tokenPolicy'],
];

/** One configuration: its connection, tokens, mapping plan, directory, logs and alerts. */
export function ConfigurationPage() {
  const { id = '', tab = 'connection' } = useParams();
  const navigate = useNavigate();
  const configuration = useConfiguration(id);
  const me = useMe(id);
  const update = useUpdateConfiguration();
  const [editing, { open, close }] = useDisclosure(false);
  const [switchingOff, setSwitchingOff] = useState(false);

  if (configuration.isPending) return <Loading label="Loading the configuration" />;
  if (configuration.isError) return <ErrorNotice error={configuration.error} retry={() => configuration.refetch()} />;
  const c = configuration.data;
  const setEnabled = (enabled: boolean) =>
    update.mutate(
      { id: c.id, changes: { enabled } },
      {
        onSuccess: () => setSwitchingOff(false),
        onError: (err) => notifications.show({ title: 'Not changed', message: describe(err), color: 'red' }),
      },
    );

  return (
    <Stack>
      <Breadcrumbs>
        <Anchor component={Link} to="/">
          Configurations
        </Anchor>
        <Text>{c.name}</Text>
      </Breadcrumbs>
      <Group justify="space-between" align="flex-start">
        <div>
          <Group gap="sm">
            <Title order={1} size="h2">
              {c.name}
            </Title>
            <Badge color={c.enabled ? 'green' : 'gray'} variant="light">
              {c.enabled ? 'Enabled' : 'Disabled'}
            </Badge>
            {may(me.data, 'logs') && <HealthBadge configuration={c} />}
          </Group>
          {c.description && <Text c="dimmed">{c.description}</Text>}
        </div>
        {may(me.data, 'configurations', 'write') && (
          <Group>
            <Switch
              label={c.enabled ? 'Endpoint answers' : 'Endpoint off'}
              checked={c.enabled}
              onChange={(e) => (e.currentTarget.checked ? setEnabled(true) : setSwitchingOff(true))}
            />
            <Button variant="default" leftSection={<IconPencil size={16} />} onClick={open}>
              Edit
            </Button>
          </Group>
        )}
      </Group>
      <Confirm
        opened={switchingOff}
        title={`Switch off the endpoint of ${c.name}?`}
        confirmLabel="Switch off"
        loading={update.isPending}
        onConfirm={() => setEnabled(false)}
        onCancel={() => setSwitchingOff(false)}
      >
        The SCIM endpoint of {c.name} will refuse every request: each identity provider that provisions into it fails
        its next cycle until it is switched on again. The change is recorded in the audit log.
      </Confirm>
      <Tabs value={tab} onChange={(t) => navigate(`/configurations/${c.id}/${t ?? 'connection'}`)} keepMounted={false}>
        <Tabs.List>
          {tabs
            .filter(([, , area]) => may(me.data, area))
            .map(([value, label]) => (
              <Tabs.Tab key={value} value={value}>
                {label}
              </Tabs.Tab>
            ))}
        </Tabs.List>
        <Tabs.Panel value="connection" pt="md">
          <ConnectionTab configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="tokens" pt="md">
          <TokensTab configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="mapping" pt="md">
          <MappingTab configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="directory" pt="md">
          <DirectoryTab configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="logs" pt="md">
          <LogsView configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="monitoring" pt="md">
          <HealthPanel configuration={c} />
          <StatsView configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="alerts" pt="md">
          <AlertsTab configuration={c} />
        </Tabs.Panel>
        <Tabs.Panel value="policy" pt="md">
          <Stack maw={760}>
            <PolicyTab configuration={c} />
            <DeletionThresholdPanel configuration={c} />
            <CompatibilityPanel configuration={c} />
          </Stack>
        </Tabs.Panel>
      </Tabs>
      <ConfigureDrawer opened={editing} onClose={close} editing={c} />
    </Stack>
  );
}
