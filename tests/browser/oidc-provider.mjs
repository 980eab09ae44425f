// A real OpenID Connect provider for the tests: npm's `oidc-provider` (OpenID Certified), on a
// free loopback port, with its development login and consent pages, one confidential client
// (the console), and accounts whose email is their login name.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';

const require = createRequire(new URL('../../ui/package.json', import.meta.url));

/** A listening HTTP server on a free port, before the provider exists (its issuer names it). */
export async function reserveProvider() {
  const http = createServer();
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return { http, issuer: `http://127.0.0.1:${http.address().port}` };
}

/** Serves the provider on `reserved`, for the client `clientId`/`clientSecret` sending browsers
 * back to `redirectUri`. */
export async function startProvider(reserved, { clientId, clientSecret, redirectUri }) {
  const { default: Provider } = await import(require.resolve('oidc-provider'));
  const provider = new Provider(reserved.issuer, {
    clients: [
      {
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: id, email_verified: true, name: id };
        },
      };
    },
    features: { devInteractions: { enabled: true } },
    pkce: { required: () => true },
    cookies: { keys: ['scim-console-test-provider'] },
  });
  const serve = provider.callback();
  let discoveries = 0;
  reserved.http.on('request', (request, response) => {
    if (request.url.startsWith('/.well-known/openid-configuration')) discoveries += 1;
    serve(request, response);
  });
  return {
    issuer: reserved.issuer,
    /** How often the provider's metadata was read. */
    discoveries: () => discoveries,
    async stop() {
      await new Promise((resolve) => reserved.http.close(resolve));
    },
  };
}
