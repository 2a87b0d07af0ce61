import { errors, jwtVerify, SignJWT } from 'jose';
import type { KycStatus, Role } from '../../shared/account/schema';
import { randomToken } from './bytes';
import { signingKeys } from './keys';

/** RFC 9068 access-token type; an ID token or any other JWT signed with the same key is refused. */
export const ACCESS_TYP = 'at+jwt';
export const ACCESS_TTL_S = 300;
export const REFRESH_TTL_MS = 30 * 24 * 3600_000;
export const TICKET_TTL_MS = 30_000;
const AUDIENCE = 'edgetape-api';
/** Pinned: jose refuses `none`, HS256 (even keyed with the public key) and anything else not listed. */
const ALGORITHMS = ['ES256'];

export interface AccessClaims { sub: string; sid: string; roles: Role[]; kyc: KycStatus }

const issuer = (env: Env): string => env.AUTH_ISSUER || 'https://edgetape.local';

export async function signAccessToken(env: Env, c: AccessClaims, now = Date.now()): Promise<string> {
  const { privateKey, kid } = await signingKeys(env);
  const iat = Math.floor(now / 1000);
  return new SignJWT({ sid: c.sid, roles: c.roles, kyc: c.kyc })
    .setProtectedHeader({ alg: 'ES256', typ: ACCESS_TYP, kid })
    .setSubject(c.sub)
    .setIssuer(issuer(env))
    .setAudience(AUDIENCE)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(iat + ACCESS_TTL_S)
    .setJti(randomToken(12))
    .sign(privateKey);
}

/** The verified claims, or null for any token that is not a current access token of this issuer. */
export async function verifyAccessToken(env: Env, token: string): Promise<AccessClaims | null> {
  const { publicKey } = await signingKeys(env);
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: ALGORITHMS,
      issuer: issuer(env),
      audience: AUDIENCE,
      typ: ACCESS_TYP,
      requiredClaims: ['sub', 'sid', 'exp', 'nbf', 'iat'],
      maxTokenAge: ACCESS_TTL_S + 5,
      clockTolerance: 5,
    });
    const { sub, sid, roles, kyc } = payload as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || !Array.isArray(roles) || typeof kyc !== 'string') return null;
    return { sub, sid, roles: roles.filter((r): r is Role => r === 'trader' || r === 'admin'), kyc: kyc as KycStatus };
  } catch (err) {
    if (err instanceof errors.JOSEError) return null;
    throw err;
  }
}

/**
 * Opaque tokens name the user whose object holds their hash (`rt.<userId>.<secret>`), so a refresh or a
 * WebSocket ticket is one call to that object; the secret part is 256 random bits and only its hash is stored.
 */
export type OpaqueKind = 'rt' | 'wt';
export const mintOpaque = (kind: OpaqueKind, userId: string): string => `${kind}.${userId}.${randomToken()}`;
export function opaqueOwner(kind: OpaqueKind, token: string | undefined | null): string | null {
  const m = token?.match(/^(rt|wt)\.(u_[A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/);
  return m && m[1] === kind ? m[2]! : null;
}
