import { Stack, Text } from '@mantine/core';
import { CopyField } from '../../components/CopyField';

/** What the commands need: the configuration's endpoints and, when known, a client's credentials. */
export interface TokenRequestInput {
  tokenEndpoint: string;
  scimBaseUrl: string;
  /** Signed JWTs only (RFC 7523): no secret, no refresh token. */
  jwtOnly: boolean;
  clientId?: string;
  clientSecret?: string | null;
}

/** A value for a shell's single quotes. */
function quoted(value: string): string {
  return `'${value.replaceAll("'", "'\\''")}'`;
}

/** Copy-ready cURL commands for the OAuth flow: obtain an access token (and a refresh token),
 * refresh it, and call the SCIM endpoint with it — with the client's credentials when given,
 * placeholders otherwise. */
export function tokenRequests(input: TokenRequestInput): { obtain: string; refresh: string | null; call: string } {
  const endpoint = quoted(input.tokenEndpoint);
  const call = `curl -H 'Authorization: Bearer <access token>' ${quoted(`${input.scimBaseUrl}/Users?count=1`)}`;
  if (input.jwtOnly || (input.clientId && !input.clientSecret)) {
    return {
      obtain: [
        `curl -X POST ${endpoint} \\`,
        `  -d grant_type=client_credentials \\`,
        `  -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\`,
        `  --data-urlencode 'client_assertion=<a JWT signed with the client's key>'`,
      ].join('\n'),
      refresh: null,
      call,
    };
  }
  const user = quoted(`${input.clientId ?? '<client id>'}:${input.clientSecret ?? '<client secret>'}`);
  return {
    obtain: [`curl -X POST ${endpoint} \\`, `  -u ${user} \\`, `  -d grant_type=client_credentials`].join('\n'),
    refresh: [
      `curl -X POST ${endpoint} \\`,
      `  -u ${user} \\`,
      `  -d grant_type=refresh_token \\`,
      `  --data-urlencode 'refresh_token=<refresh token>'`,
    ].join('\n'),
    call,
  };
}

/** The token endpoint and the commands that use it, ready to copy. */
export function TokenRequests(props: TokenRequestInput) {
  const commands = tokenRequests(props);
  return (
    <Stack gap="sm">
      <CopyField label="Token endpoint" value={props.tokenEndpoint} testId="token-endpoint" />
      <CopyField label="Obtain an access token" value={commands.obtain} testId="curl-obtain" />
      {commands.refresh && (
        <CopyField label="Refresh the access token" value={commands.refresh} testId="curl-refresh" />
      )}
      <CopyField label="Call the SCIM endpoint with it" value={commands.call} testId="curl-call" />
      <Text size="xs" c="dimmed">
        {commands.refresh
          ? 'The answer to the first command carries access_token (it opens the SCIM endpoint for an hour) and refresh_token (for the second command, once; each refresh brings a new one).'
          : 'The answer carries access_token; it opens the SCIM endpoint for 5 minutes. Sign a new assertion for each request.'}
      </Text>
    </Stack>
  );
}
