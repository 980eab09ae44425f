import {
  Alert,
  Button,
  Center,
  Code,
  Divider,
  Loader,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useRef, useState } from 'react';

/** Posts a sign-in body to `path`; the error message when it is refused. */
async function postSignIn(path: string, body: object): Promise<string | null> {
  try {
    const response = await fetch(path, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
      credentials: 'same-origin',
    });
    if (response.ok) return null;
    const answer = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    return answer?.error?.message ?? `The sign-in failed (HTTP ${response.status}).`;
  } catch {
    return 'The console could not be reached.';
  }
}

/** Signing in with an email, a password and an authenticator app's code. */
function PasswordForm() {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const signIn = async (e: React.FormEvent) => {
    e.preventDefault();
    setBusy(true);
    const refused = await postSignIn('/api/sign-in/password', { email: email.trim(), password, code: code.trim() });
    setBusy(false);
    if (refused) {
      setError(refused);
      setCode('');
      return;
    }
    window.location.replace(window.location.pathname + window.location.search);
  };
  return (
    <form onSubmit={signIn}>
      <Stack>
        {error && (
          <Alert color="red" title="Not signed in">
            {error}
          </Alert>
        )}
        <TextInput
          label="Email"
          type="email"
          autoComplete="username"
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
          required
          autoFocus
        />
        <PasswordInput
          label="Password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.currentTarget.value)}
          required
        />
        <TextInput
          label="Authenticator code"
          description="The 6 digits your authenticator app shows"
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          required
        />
        <Button type="submit" loading={busy}>
          Sign in
        </Button>
        <Text size="sm" c="dimmed">
          No password yet? An owner sends you a one-time sign-in link (Administrators page, or{' '}
          <Code>scim-console admin link EMAIL</Code>); once in, set a password under My account.
        </Text>
      </Stack>
    </form>
  );
}

/** Signing in with the per-launch admin token `scim-console serve` printed. */
function AdminTokenForm() {
  const [token, setToken] = useState('');
  const next = window.location.pathname + window.location.search;
  const signIn = (e: React.FormEvent) => {
    e.preventDefault();
    const params = new URLSearchParams({ token: token.trim(), next });
    window.location.assign(`/login?${params.toString()}`);
  };
  return (
    <form onSubmit={signIn}>
      <Stack>
        <Text>
          Open the <b>admin console</b> link that <Code>scim-console serve</Code> printed when it started, or paste that
          run&apos;s admin token here. The token changes each time the server starts.
        </Text>
        <PasswordInput
          label="Admin token"
          description="Printed as “Admin token” at start-up"
          value={token}
          onChange={(e) => setToken(e.currentTarget.value)}
          required
        />
        <Button type="submit" disabled={!token.trim()}>
          Sign in with the admin token
        </Button>
      </Stack>
    </form>
  );
}

/** Shown when there is no admin session: sign in as an administrator, or with the admin token. */
export function SignInPage() {
  const [mode, setMode] = useState<'password' | 'token'>('password');
  const [provider, setProvider] = useState<string | null>(null);
  useEffect(() => {
    fetch('/api/sign-in/methods', { credentials: 'same-origin' })
      .then((r) => (r.ok ? r.json() : null))
      .then((methods: { provider?: string | null } | null) => setProvider(methods?.provider ?? null))
      .catch(() => setProvider(null));
  }, []);
  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" maw={520} w="100%">
        <Stack>
          <Title order={1} size="h2">
            Sign in to SCIM Console
          </Title>
          {provider && (
            <>
              <Button size="md" onClick={() => window.location.assign('/api/sign-in/oidc')}>
                Sign in with {provider}
              </Button>
              <Divider label="or" labelPosition="center" />
            </>
          )}
          <SegmentedControl
            value={mode}
            onChange={(v) => setMode(v as 'password' | 'token')}
            data={[
              { value: 'password', label: 'Email and password' },
              { value: 'token', label: 'Admin token' },
            ]}
          />
          {mode === 'password' ? <PasswordForm /> : <AdminTokenForm />}
        </Stack>
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
          <Title order={1} size="h2">
            Signing in to SCIM Console
          </Title>
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
