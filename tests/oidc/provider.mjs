// A real OpenID Provider (panva's oidc-provider) for the single sign-on tests, on a free loopback port.
//
//   node tests/oidc/provider.mjs --redirect-uri URL --client-id ID --client-secret SECRET
//
// One confidential client (authorization code, PKCE with S256 required). The development interactions
// log in whoever types a login name; that name is the account id, and the account's email claim is the
// name itself, so a test signs in "as" any address. Prints one JSON line {"issuer": ...} once it listens,
// and stops on SIGTERM or when its standard input closes (the test process went away).
import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: options } = parseArgs({
  options: {
    'redirect-uri': { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
  },
});
for (const name of ['redirect-uri', 'client-id', 'client-secret']) {
  if (!options[name]) {
    process.stderr.write(`--${name} is required\n`);
    process.exit(2);
  }
}

const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: options['client-id'],
      client_secret: options['client-secret'],
      redirect_uris: [options['redirect-uri']],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    async findAccount(_ctx, accountId) {
      return {
        accountId,
        async claims() {
          return { sub: accountId, email: accountId, email_verified: true, name: accountId };
        },
      };
    },
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    cookies: { keys: ['career-pathing-test-only'] },
  });
  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.stdin.on('end', stop);
process.stdin.resume();
