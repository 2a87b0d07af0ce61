import { OAuth2Server } from 'oauth2-mock-server';

export interface OidcProvider { issuer: string; clientId: string; stop(): Promise<void> }
export const OIDC_CLIENT_ID = 'edgetape-dev';

/**
 * A real OpenID Connect provider on loopback for tests and local sign-in (oauth2-mock-server): discovery,
 * JWKS with a fresh RS256 key, authorization code + PKCE S256 checked at the token endpoint, nonce echoed
 * in the ID token. Every sign-in is the same person, Jo Trader.
 */
export async function startOidcProvider(port = 0): Promise<OidcProvider> {
  const server = new OAuth2Server();
  await server.issuer.keys.generate('RS256');
  server.service.on('beforeTokenSigning', (token: { payload: Record<string, unknown> }) => {
    if (token.payload.aud === OIDC_CLIENT_ID) Object.assign(token.payload, { sub: 'jo-trader-1', email: 'jo@oidc.example', email_verified: true, name: 'Jo Trader' });
  });
  await server.start(port, '127.0.0.1');
  // It names itself localhost, which may resolve to ::1 where it does not listen; workerd must reach it on 127.0.0.1.
  server.issuer.url = `http://127.0.0.1:${server.address().port}`;
  return { issuer: server.issuer.url, clientId: OIDC_CLIENT_ID, stop: () => server.stop() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const p = await startOidcProvider(Number(process.argv[2] ?? 0));
  console.log(`OIDC provider ${p.issuer} (client id ${p.clientId}); Ctrl-C stops it`);
}
