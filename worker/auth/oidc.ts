import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { b64url, constantTimeEqual, fromB64url, randomToken } from './bytes';

/**
 * OpenID Connect authorization code flow with PKCE (RFC 7636, S256) against the provider configured by
 * OIDC_ISSUER / OIDC_CLIENT_ID (/ OIDC_CLIENT_SECRET). The login transaction (state, nonce, verifier)
 * lives in a short-lived HttpOnly cookie scoped to the callback path.
 */
interface Discovery { issuer: string; authorization_endpoint: string; token_endpoint: string; jwks_uri: string; id_token_signing_alg_values_supported?: string[] }
export interface Transaction { state: string; nonce: string; verifier: string; exp: number }

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const TX_TTL_MS = 10 * 60_000;
const discoveries = new Map<string, Promise<Discovery>>();
const jwks = new Map<string, ReturnType<typeof createRemoteJWKSet>>();

export const oidcConfigured = (env: Env): boolean => Boolean(env.OIDC_ISSUER && env.OIDC_CLIENT_ID);

async function discover(issuer: string): Promise<Discovery> {
  let d = discoveries.get(issuer);
  if (!d) {
    d = fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`).then(async (r) => {
      if (!r.ok) throw new Error(`OIDC discovery at ${issuer} answered ${r.status}`);
      const doc = (await r.json()) as Discovery;
      if (doc.issuer !== issuer) throw new Error(`OIDC discovery issuer ${doc.issuer} is not ${issuer}`);
      return doc;
    });
    d.catch(() => discoveries.delete(issuer));
    discoveries.set(issuer, d);
  }
  return d;
}

export async function authorizationUrl(env: Env, redirectUri: string): Promise<{ url: string; tx: Transaction }> {
  const d = await discover(env.OIDC_ISSUER);
  const tx: Transaction = { state: randomToken(), nonce: randomToken(), verifier: randomToken(48), exp: Date.now() + TX_TTL_MS };
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(tx.verifier))));
  const url = new URL(d.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: env.OIDC_CLIENT_ID, redirect_uri: redirectUri, scope: 'openid email profile',
    state: tx.state, nonce: tx.nonce, code_challenge: challenge, code_challenge_method: 'S256',
  }).toString();
  return { url: url.toString(), tx };
}

export const encodeTx = (tx: Transaction): string => b64url(new TextEncoder().encode(JSON.stringify(tx)));
export function decodeTx(s: string | undefined): Transaction | null {
  if (!s) return null;
  try {
    const tx = JSON.parse(new TextDecoder().decode(fromB64url(s))) as Transaction;
    return typeof tx.state === 'string' && typeof tx.nonce === 'string' && typeof tx.verifier === 'string' && tx.exp > Date.now() ? tx : null;
  } catch {
    return null;
  }
}

export const stateMatches = (tx: Transaction, state: string): boolean => constantTimeEqual(tx.state, state);

/** Exchanges the code (with the PKCE verifier) and verifies the ID token: signature by the provider's JWKS, iss, aud, exp, nonce. */
export async function redeem(env: Env, tx: Transaction, code: string, redirectUri: string): Promise<JWTPayload & { sub: string }> {
  const d = await discover(env.OIDC_ISSUER);
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: env.OIDC_CLIENT_ID, code_verifier: tx.verifier });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
  if (env.OIDC_CLIENT_SECRET) headers.authorization = `Basic ${btoa(`${encodeURIComponent(env.OIDC_CLIENT_ID)}:${encodeURIComponent(env.OIDC_CLIENT_SECRET)}`)}`;
  const res = await fetch(d.token_endpoint, { method: 'POST', headers, body: form });
  if (!res.ok) throw new Error(`token endpoint answered ${res.status}`);
  const { id_token: idToken } = (await res.json()) as { id_token?: string };
  if (!idToken) throw new Error('token response has no id_token');
  let keys = jwks.get(d.jwks_uri);
  if (!keys) jwks.set(d.jwks_uri, (keys = createRemoteJWKSet(new URL(d.jwks_uri))));
  const algorithms = (d.id_token_signing_alg_values_supported ?? ['RS256']).filter((a) => ASYMMETRIC.includes(a));
  const { payload } = await jwtVerify(idToken, keys, { issuer: d.issuer, audience: env.OIDC_CLIENT_ID, algorithms, requiredClaims: ['sub', 'exp', 'iat'] });
  if (typeof payload.nonce !== 'string' || !constantTimeEqual(payload.nonce, tx.nonce)) throw new Error('ID token nonce does not match');
  return payload as JWTPayload & { sub: string };
}
