import { tokenRequests } from './TokenRequests';

const base = {
  tokenEndpoint: 'https://scim.example/scim/acme/oauth/token',
  scimBaseUrl: 'https://scim.example/scim/acme/v2',
};

test('before any client: placeholders for the credentials and the refresh token', () => {
  const c = tokenRequests({ ...base, jwtOnly: false });
  expect(c.obtain).toBe(
    [
      "curl -X POST 'https://scim.example/scim/acme/oauth/token' \\",
      "  -u '<client id>:<client secret>' \\",
      '  -d grant_type=client_credentials',
    ].join('\n'),
  );
  expect(c.refresh).toContain("--data-urlencode 'refresh_token=<refresh token>'");
  expect(c.call).toBe(
    "curl -H 'Authorization: Bearer <access token>' 'https://scim.example/scim/acme/v2/Users?count=1'",
  );
});

test("a new client's own credentials, quoted for the shell", () => {
  const c = tokenRequests({ ...base, jwtOnly: false, clientId: 'sc_1', clientSecret: "it's" });
  expect(c.obtain).toContain("-u 'sc_1:it'\\''s'");
});

test('signed JWT clients send an assertion and get no refresh token', () => {
  for (const input of [
    { ...base, jwtOnly: true },
    { ...base, jwtOnly: false, clientId: 'sc_2', clientSecret: null },
  ]) {
    const c = tokenRequests(input);
    expect(c.obtain).toContain('client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
    expect(c.obtain).not.toContain('-u ');
    expect(c.refresh).toBeNull();
  }
});
