import { Alert, Button, Center, Code, Loader, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';

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

/** The code of a one-time sign-in link, from the address's fragment (`/sign-in#code=…`). */
export function linkCode(hash: string): string | null {
  return new URLSearchParams(hash.replace(/^#/, '')).get('code');
}

/**
 * A one-time sign-in link (`scim-console admin create|link` prints it): its code is in the
 * fragment, which the browser never sends; the page takes it out of the address bar and sends
 * it in a POST, which opens the administrator's session.
 */
export function LinkSignInPage() {
  const [error, setError] = useState<string | null>(null);
  const started = useRef(false);
  useEffect(() => {
    if (started.current) return;
    started.current = true;
    const code = linkCode(window.location.hash);
    window.history.replaceState(null, '', '/sign-in');
    if (!code) {
      setError('This sign-in link has no code: open the whole link you were sent.');
      return;
    }
    fetch('/api/sign-in/link', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ code }),
      credentials: 'same-origin',
    })
      .then(async (response) => {
        if (response.ok) {
          window.location.replace('/');
          return;
        }
        const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
        setError(body?.error?.message ?? `The sign-in failed (HTTP ${response.status}).`);
      })
      .catch(() => setError('The console could not be reached.'));
  }, []);
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={520} w="100%">
        <Stack>
          <Title order={2}>Signing in to SCIM Console</Title>
          {error ? (
            <Alert color="red" title="The link did not sign you in">
              {error}
            </Alert>
          ) : (
            <Stack align="center">
              <Loader aria-label="Signing in" />
              <Text>Opening your session…</Text>
            </Stack>
          )}
        </Stack>
      </Paper>
    </Center>
  );
}
