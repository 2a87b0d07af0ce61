import { calculateJwkThumbprint, importJWK, type JWK } from 'jose';
import { b64url, fromB64url } from './bytes';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  publicJwk: JWK;
}

// Parsed once per isolate: importing a key per request would cost more than verifying the token.
let cached: { source: string; keys: Promise<SigningKeys> } | undefined;
let idKey: { source: string; key: Promise<CryptoKey> } | undefined;

/** The ES256 key pair from the AUTH_SIGNING_KEY binding (a private JWK); there is no default in code. */
export function signingKeys(env: Env): Promise<SigningKeys> {
  const source = env.AUTH_SIGNING_KEY;
  if (!source) throw new Error('AUTH_SIGNING_KEY is not set: run `npx tsx tools/dev-keys.ts` or set the secret');
  if (!cached || cached.source !== source) cached = { source, keys: load(source) };
  return cached.keys;
}

async function load(source: string): Promise<SigningKeys> {
  const jwk = JSON.parse(source) as JWK;
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.d) throw new Error('AUTH_SIGNING_KEY must be a private P-256 JWK');
  const { d: _d, ...pub } = jwk;
  const publicJwk: JWK = { kty: pub.kty, crv: pub.crv, x: pub.x, y: pub.y, alg: 'ES256', use: 'sig' };
  const kid = await calculateJwkThumbprint(publicJwk);
  publicJwk.kid = kid;
  const [privateKey, publicKey] = await Promise.all([importJWK({ ...jwk, alg: 'ES256' }, 'ES256'), importJWK(publicJwk, 'ES256')]);
  return { kid, privateKey: privateKey as CryptoKey, publicKey: publicKey as CryptoKey, publicJwk };
}

/**
 * A user's id is a keyed hash of how they sign in (`email:…` or `oidc:<iss>|<sub>`), so the account's
 * Durable Object is found without a directory and ids reveal nothing about the email.
 */
export async function userIdFor(env: Env, identity: string): Promise<string> {
  const source = env.AUTH_ID_KEY;
  if (!source) throw new Error('AUTH_ID_KEY is not set: run `npx tsx tools/dev-keys.ts` or set the secret');
  if (!idKey || idKey.source !== source) {
    idKey = { source, key: crypto.subtle.importKey('raw', fromB64url(source), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']) };
  }
  const mac = await crypto.subtle.sign('HMAC', await idKey.key, new TextEncoder().encode(identity));
  return `u_${b64url(new Uint8Array(mac).subarray(0, 16))}`;
}
