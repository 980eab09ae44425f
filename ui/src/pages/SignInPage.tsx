import { Button, Center, Code, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';

/** Shown when there is no admin session: how to open one. */
export function SignInPage() {
  const [token, setToken] = useState('');
  const next = window.location.pathname + window.location.search;
  const signIn = (e: React.FormEvent) => {
    e.preventDefault();
    const params = new URLSearchParams({ token: token.trim(), next });
    window.location.assign(`/login?${params.toString()}`);
  };
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={520} w="100%">
        <form onSubmit={signIn}>
          <Stack>
            <Title order={2}>Sign in to SCIM Console</Title>
            <Text>
              Open the <b>admin console</b> link that <Code>scim-console serve</Code> printed when it started, or paste
              that run&apos;s admin token here. The token changes each time the server starts.
            </Text>
            <PasswordInput
              label="Admin token"
              description="Printed as “Admin token” at start-up"
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              required
              autoFocus
            />
            <Button type="submit" disabled={!token.trim()}>
              Sign in
            </Button>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
