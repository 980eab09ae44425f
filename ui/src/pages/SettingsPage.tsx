import { Button, Code, Paper, Stack, Switch, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { IconFolder } from '@tabler/icons-react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { useConfigurations, useSettings } from '../api/queries';
import { ErrorNotice, Loading } from '../components/States';
import { isDesktop, openDataFolder, setStartAtLogin, startAtLogin } from '../native';
import { EmailRelayPanel } from './EmailRelayPanel';

/** The desktop app's start at login (opt-in): it then starts in the tray, serving. */
export function StartAtLogin() {
  const client = useQueryClient();
  const state = useQuery({ queryKey: ['start-at-login'], queryFn: startAtLogin });
  const change = useMutation({
    mutationFn: setStartAtLogin,
    onSuccess: (on) => client.setQueryData(['start-at-login'], on),
  });
  return (
    <Stack gap={4} mt="sm">
      <Switch
        label="Start SCIM Console when I sign in (in the tray, serving)"
        checked={state.data ?? false}
        disabled={state.isPending || change.isPending}
        onChange={(e) => change.mutate(e.currentTarget.checked)}
      />
      {(state.error ?? change.error) && (
        <Text size="sm" c="red">
          {String(state.error ?? change.error)}
        </Text>
      )}
    </Stack>
  );
}

/** How the console runs, and where each setting is changed. */
export function SettingsPage() {
  const settings = useSettings();
  const configurations = useConfigurations();
  if (settings.isPending) return <Loading label="Loading settings" />;
  if (settings.isError) return <ErrorNotice error={settings.error} retry={() => settings.refetch()} />;
  const s = settings.data;
  const rows: [string, string, string][] = [
    ['Version', s.version, ''],
    ['Listening on', s.bind, '--bind ADDRESS --port PORT'],
    ['Address for identity providers', s.origin, ''],
    [
      'TLS',
      s.tlsFingerprint ? `on — certificate SHA-256 ${s.tlsFingerprint}` : 'off (plain HTTP, loopback only)',
      '--tls-cert FILE --tls-key FILE, or --tls-self-signed',
    ],
    ['Data folder', s.dataDir ?? '—', '--data-dir DIR or SCIM_CONSOLE_DATA_DIR'],
    ['Master key', s.masterKey ?? '—', 'SCIM_CONSOLE_MASTER_KEY, DATA_DIR/master.key or the OS keychain'],
    ['Largest request body', `${s.maxBodyBytes.toLocaleString()} bytes`, '--max-body-bytes N'],
    ['Rate limit', `${s.requestsPerSecond.toLocaleString()} requests/s per token`, '--rate-limit N'],
    ['Page size', `${s.defaultPageSize} by default, at most ${s.maxPageSize}`, ''],
  ];
  return (
    <Stack maw={980}>
      <Title order={1} size="h2">
        Settings
      </Title>
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="xs">
          Server
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Chosen when the console starts; change them with the options of <Code>scim-console serve</Code> shown beside
          each, then restart.
        </Text>
        <Table aria-label="Server settings" verticalSpacing="xs">
          <Table.Tbody>
            {rows.map(([k, v, how]) => (
              <Table.Tr key={k}>
                <Table.Th w={230}>{k}</Table.Th>
                <Table.Td style={{ wordBreak: 'break-all' }}>{v}</Table.Td>
                <Table.Td>{how && <Code>{how}</Code>}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        {isDesktop() && (
          <>
            <Button
              mt="sm"
              variant="default"
              leftSection={<IconFolder size={16} />}
              onClick={() => void openDataFolder()}
            >
              Open data folder
            </Button>
            <StartAtLogin />
          </>
        )}
      </Paper>
      <EmailRelayPanel />
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="xs">
          Log retention and alerts
        </Title>
        <Text size="sm" c="dimmed" mb="sm">
          Each configuration keeps its own log for its own time and has its own alert rules.
        </Text>
        <Table aria-label="Retention per configuration" verticalSpacing="xs">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Configuration</Table.Th>
              <Table.Th>Log kept</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {(configurations.data ?? []).map((c) => (
              <Table.Tr key={c.id}>
                <Table.Td>{c.name}</Table.Td>
                <Table.Td>
                  {c.logRetention.maxAgeDays} days, at most {c.logRetention.maxRecords.toLocaleString()} records
                </Table.Td>
                <Table.Td>
                  <Button component={Link} to={`/configurations/${c.id}/policy`} size="xs" variant="light">
                    Change retention
                  </Button>{' '}
                  <Button component={Link} to={`/configurations/${c.id}/alerts`} size="xs" variant="light">
                    Alerts
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
    </Stack>
  );
}
