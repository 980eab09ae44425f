import { Alert, Anchor, Text } from '@mantine/core';
import { IconWorldOff } from '@tabler/icons-react';
import { Link } from 'react-router';
import { reachOf } from './reach';

/**
 * What the SCIM base URL can be used for, said plainly when a cloud identity provider cannot
 * call it: a console on this machine is for pilot runs, the sample tester, the conformance
 * checker and learning; identity providers provision into a deployed one.
 */
export function EndpointReach({ baseUrl }: { baseUrl: string }) {
  const reach = reachOf(baseUrl);
  if (reach === 'public') return null;
  const origin = (() => {
    try {
      return new URL(baseUrl).origin;
    } catch {
      return baseUrl;
    }
  })();
  const deploy = (
    <Anchor component={Link} to="/deploy">
      Deploy a console
    </Anchor>
  );
  const [title, body] =
    reach === 'thisMachine'
      ? [
          'Reachable only from this machine',
          `Entra ID, Okta, OneLogin and Google call from their clouds: they cannot reach ${origin}. Use this endpoint for pilot runs, the sample tester, the conformance checker and learning; for an identity provider's Tenant URL, run the console on a server it can reach.`,
        ]
      : reach === 'privateNetwork'
        ? [
            'Reachable from your network only',
            `${origin} is a private address: cloud identity providers (Entra ID, Okta, OneLogin, Google) cannot reach it. Tools on your network can; for an identity provider, run the console on a server with a public HTTPS address.`,
          ]
        : [
            'Identity providers require HTTPS',
            `${origin} is plain HTTP: Entra ID and Okta refuse it. Serve the console with TLS, or behind a reverse proxy that terminates it.`,
          ];
  return (
    <Alert color="yellow" icon={<IconWorldOff />} title={title} data-testid="endpoint-reach">
      <Text size="sm">
        {body} {deploy}.
      </Text>
    </Alert>
  );
}
