import {
  Alert,
  Button,
  Group,
  NumberInput,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, describe, unwrap, type Schemas } from '../api/client';
import { may, useMe } from '../api/me';
import { ErrorNotice, Loading } from '../components/States';
import { formatDateTime } from '../format';

type Security = Schemas['EmailSecurity'];

/** The usual port of each way of securing the connection. */
export const defaultPorts: Record<Security, number> = { starttls: 587, tls: 465, none: 25 };

const securities: { value: Security; label: string }[] = [
  { value: 'starttls', label: 'STARTTLS (587)' },
  { value: 'tls', label: 'TLS (465)' },
  { value: 'none', label: 'None (25, private relay)' },
];

const relayKey = ['settings', 'email'] as const;

/** The SMTP relay alerts are emailed through: set, changed, removed, tried with a test email. */
export function EmailRelayPanel() {
  const client = useQueryClient();
  const writable = may(useMe().data, 'settings', 'write');
  const relay = useQuery({ queryKey: relayKey, queryFn: () => unwrap(api.GET('/api/settings/email')) });
  const current = relay.data?.relay ?? null;
  const [host, setHost] = useState('');
  const [port, setPort] = useState<number | string>(587);
  const [security, setSecurity] = useState<Security>('starttls');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [from, setFrom] = useState('');
  const [certificate, setCertificate] = useState('');
  const [testTo, setTestTo] = useState('');
  useEffect(() => {
    if (!current) return;
    setHost(current.host);
    setPort(current.port);
    setSecurity(current.security);
    setUsername(current.username ?? '');
    setFrom(current.from);
    setCertificate(current.trustedCertificate ?? '');
  }, [current]);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/settings/email', {
          body: {
            host: host.trim(),
            port: Number(port),
            security,
            username: username.trim() || null,
            // Empty keeps the stored password.
            password: password === '' ? null : password,
            from: from.trim(),
            trustedCertificate: certificate.trim() || null,
          },
        }),
      ),
    onSuccess: () => {
      setPassword('');
      notifications.show({ message: 'Email relay saved', color: 'green' });
      return client.invalidateQueries({ queryKey: relayKey });
    },
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/settings/email')),
    onSuccess: () => {
      notifications.show({ message: 'Email relay removed: alerts are no longer emailed', color: 'gray' });
      return client.invalidateQueries({ queryKey: relayKey });
    },
  });
  const test = useMutation({
    mutationFn: () => unwrap(api.POST('/api/settings/email/test', { body: { to: testTo.trim() } })),
  });

  return (
    <Paper withBorder p="md">
      <Title order={2} size="h3" mb="xs">
        Email
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        Alert rules with recipients send one email when an alert is raised and one when it is resolved, through this
        SMTP relay. The password is kept sealed and never shown again.
      </Text>
      {relay.isPending ? (
        <Loading label="Loading the email relay" />
      ) : relay.isError ? (
        <ErrorNotice error={relay.error} retry={() => relay.refetch()} />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            save.mutate();
          }}
        >
          <Stack>
            <SegmentedControl
              aria-label="Connection security"
              value={security}
              disabled={!writable}
              onChange={(v) => {
                setSecurity(v as Security);
                setPort(defaultPorts[v as Security]);
              }}
              data={securities}
            />
            {security === 'none' && (
              <Alert color="orange" role="note">
                Without TLS the password and the alerts cross the network in clear: use this only for a relay on this
                machine or its private network.
              </Alert>
            )}
            <Group grow align="flex-start">
              <TextInput
                label="Host"
                required
                value={host}
                onChange={(e) => setHost(e.currentTarget.value)}
                disabled={!writable}
              />
              <NumberInput
                label="Port"
                min={1}
                max={65535}
                required
                value={port}
                onChange={setPort}
                disabled={!writable}
              />
            </Group>
            <Group grow align="flex-start">
              <TextInput
                label="User name"
                value={username}
                onChange={(e) => setUsername(e.currentTarget.value)}
                disabled={!writable}
              />
              <PasswordInput
                label="Password"
                description={current?.passwordSet ? 'Stored. Leave empty to keep it.' : undefined}
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
                disabled={!writable}
              />
            </Group>
            <TextInput
              label="From"
              required
              placeholder="scim-console@contoso.com"
              value={from}
              onChange={(e) => setFrom(e.currentTarget.value)}
              disabled={!writable}
            />
            <Textarea
              label="Trusted certificate (optional)"
              description="The relay's certificate authority, in PEM, when a private one signed its certificate."
              autosize
              minRows={2}
              styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
              value={certificate}
              onChange={(e) => setCertificate(e.currentTarget.value)}
              disabled={!writable}
            />
            {save.isError && (
              <Alert color="red" role="alert">
                {describe(save.error)}
              </Alert>
            )}
            {current && (
              <Text size="xs" c="dimmed">
                Last changed {formatDateTime(current.updated)} by {current.updatedBy}.
              </Text>
            )}
            {writable && (
              <Group justify="flex-end">
                {current && (
                  <Button variant="default" color="red" onClick={() => remove.mutate()} loading={remove.isPending}>
                    Remove relay
                  </Button>
                )}
                <Button type="submit" loading={save.isPending}>
                  Save relay
                </Button>
              </Group>
            )}
          </Stack>
        </form>
      )}
      {current && writable && (
        <Stack mt="md" gap="xs">
          <Group align="flex-end">
            <TextInput
              label="Send a test email to"
              placeholder="you@contoso.com"
              value={testTo}
              onChange={(e) => setTestTo(e.currentTarget.value)}
            />
            <Button variant="light" onClick={() => test.mutate()} loading={test.isPending} disabled={!testTo.trim()}>
              Send test email
            </Button>
          </Group>
          {test.isSuccess && (
            <Alert color="green" role="status">
              Sent: {test.data.detail}
            </Alert>
          )}
          {test.isError && (
            <Alert color="red" role="alert">
              Not sent: {describe(test.error)}
            </Alert>
          )}
        </Stack>
      )}
    </Paper>
  );
}
