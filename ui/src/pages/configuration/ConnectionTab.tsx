import { Alert, Badge, Button, Group, Paper, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, describe, unwrap, type Configuration, type ConnectionReport } from '../../api/client';
import { keys } from '../../api/queries';
import { CheckTable } from '../../components/CheckTable';
import { CopyField } from '../../components/CopyField';
import { EndpointReach } from '../EndpointReach';
import { IdpSteps } from '../IdpSteps';
import { reachOf } from '../reach';

/**
 * Runs the console's connection test against this configuration's endpoint: with a token the
 * admin pastes, or with a temporary token issued for the test and revoked right after (only
 * hashes are stored, so the console cannot reuse the identity provider's own token).
 */
async function runTest(configuration: Configuration, pasted: string): Promise<ConnectionReport> {
  if (pasted.trim()) {
    return unwrap(
      api.POST('/api/connection-test', { body: { baseUrl: configuration.scimBaseUrl, token: pasted.trim() } }),
    );
  }
  const path = { id: configuration.id };
  const issued = await unwrap(
    api.POST('/api/configurations/{id}/tokens', {
      params: { path },
      body: {
        label: 'connection test (revoked after the test)',
        expires: new Date(Date.now() + 3_600_000).toISOString(),
      },
    }),
  );
  try {
    return await unwrap(
      api.POST('/api/connection-test', { body: { baseUrl: configuration.scimBaseUrl, token: issued.token } }),
    );
  } finally {
    await unwrap(
      api.DELETE('/api/configurations/{id}/tokens/{token_id}', { params: { path: { ...path, token_id: issued.id } } }),
    );
  }
}

export function ConnectionTab({ configuration }: { configuration: Configuration }) {
  const [token, setToken] = useState('');
  const client = useQueryClient();
  const test = useMutation({
    mutationFn: () => runTest(configuration, token),
    onSettled: () => client.invalidateQueries({ queryKey: keys.tokens(configuration.id) }),
  });
  const report = test.data;

  return (
    <Stack gap="lg">
      <Paper withBorder p="md">
        <Stack>
          <Title order={2} size="h3">
            Endpoint
          </Title>
          <CopyField label="SCIM base URL" value={configuration.scimBaseUrl} testId="base-url" />
          <EndpointReach baseUrl={configuration.scimBaseUrl} />
          <Text size="sm" c="dimmed">
            {reachOf(configuration.scimBaseUrl) === 'public'
              ? 'Paste it as the Tenant URL (Entra ID), SCIM connector base URL (Okta) or SCIM Base URL (OneLogin), with a token from the Tokens tab.'
              : 'On a deployed console, this is what identity providers are given, with a token from the Tokens tab.'}
            {!configuration.enabled &&
              ' The configuration is disabled: the endpoint refuses every request until it is enabled.'}
          </Text>
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Stack>
          <Title order={2} size="h3">
            Test connection
          </Title>
          <Text size="sm">
            Calls the endpoint as Entra ID and Okta do: discovery documents, a request without credentials, the token,
            Entra's query for a random userName, paging and groups.
          </Text>
          <PasswordInput
            label="Bearer token (optional)"
            description="Leave empty to test with a temporary token that is revoked right after the test."
            value={token}
            onChange={(e) => setToken(e.currentTarget.value)}
            maw={520}
          />
          <Group>
            <Button onClick={() => test.mutate()} loading={test.isPending}>
              Test connection
            </Button>
            {report && (
              <Badge size="lg" color={report.ok ? 'green' : 'red'} data-testid="connection-verdict">
                {report.ok ? 'Connection works' : 'Connection has problems'}
              </Badge>
            )}
          </Group>
          {test.isError && (
            <Alert color="red" role="alert" title="The test could not run">
              {describe(test.error)}
            </Alert>
          )}
          {report && <CheckTable report={report} />}
        </Stack>
      </Paper>
      <Paper withBorder p="md">
        <Title order={2} size="h3" mb="sm">
          Identity provider setup
        </Title>
        <IdpSteps />
      </Paper>
    </Stack>
  );
}
