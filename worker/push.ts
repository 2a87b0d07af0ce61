/**
 * Web Push with VAPID (RFC 8292) and aes128gcm payload encryption (RFC 8291 over RFC 8188), on WebCrypto
 * alone: the edge sends a notification to a browser's push service with nothing but the subscription.
 */

export interface PushSubscription {
  endpoint: string;
  /** base64url: the browser's P-256 public key (65-byte uncompressed point) and 16-byte auth secret. */
  keys: { p256dh: string; auth: string };
}

/** VAPID key pair: the public key as a base64url uncompressed point, the private key as a JWK. */
export interface VapidKeys {
  publicKey: string;
  privateKey: JsonWebKey;
  subject: string;
}

const enc = new TextEncoder();

export const b64url = {
  encode(bytes: Uint8Array): string {
    let s = '';
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
  decode(text: string): Uint8Array {
    const s = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  },
};

const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

async function hkdf(salt: Uint8Array, ikm: Uint8Array, info: Uint8Array, bytes: number): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, bytes * 8));
}

/** The request body for one push message: salt ‖ record size ‖ key id (our ephemeral public key) ‖ ciphertext. */
export async function encryptPush(sub: PushSubscription, payload: Uint8Array): Promise<Uint8Array> {
  const uaPublic = b64url.decode(sub.keys.p256dh);
  const auth = b64url.decode(sub.keys.auth);
  if (uaPublic.length !== 65 || auth.length !== 16) throw new Error('push subscription keys have the wrong length');
  const eph = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey('raw', eph.publicKey)) as ArrayBuffer);
  const uaKey = await crypto.subtle.importKey('raw', uaPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  // workers-types spells the standard `public` member `$public`; the runtime takes the standard one.
  const ecdh = { name: 'ECDH', public: uaKey } as unknown as SubtleCryptoDeriveKeyAlgorithm;
  const shared = new Uint8Array(await crypto.subtle.deriveBits(ecdh, eph.privateKey, 256));
  const ikm = await hkdf(auth, shared, concat(enc.encode('WebPush: info\0'), uaPublic, asPublic), 32);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const cek = await hkdf(salt, ikm, enc.encode('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, enc.encode('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // one record: the payload, then the 0x02 delimiter that marks the last record
  const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce }, key, concat(payload, new Uint8Array([2]))));
  const header = new Uint8Array(21);
  header.set(salt, 0);
  new DataView(header.buffer).setUint32(16, 4096);
  header[20] = asPublic.length;
  return concat(header, asPublic, sealed);
}

/** `Authorization: vapid t=<ES256 JWT for the push service's origin>, k=<our public key>`. */
export async function vapidAuthorization(endpoint: string, vapid: VapidKeys, now = Date.now()): Promise<string> {
  const header = b64url.encode(enc.encode(JSON.stringify({ typ: 'JWT', alg: 'ES256' })));
  const claims = b64url.encode(enc.encode(JSON.stringify({ aud: new URL(endpoint).origin, exp: Math.floor(now / 1000) + 12 * 3600, sub: vapid.subject })));
  const key = await crypto.subtle.importKey('jwk', vapid.privateKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const sig = new Uint8Array(await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, key, enc.encode(`${header}.${claims}`)));
  return `vapid t=${header}.${claims}.${b64url.encode(sig)}, k=${vapid.publicKey}`;
}

/** Sends one encrypted message; the status tells the caller whether to retry (5xx, 429) or drop the subscription (404, 410). */
export async function sendPush(sub: PushSubscription, payload: string, vapid: VapidKeys, ttlSeconds = 86_400): Promise<Response> {
  return fetch(sub.endpoint, {
    method: 'POST',
    headers: {
      authorization: await vapidAuthorization(sub.endpoint, vapid),
      'content-encoding': 'aes128gcm',
      'content-type': 'application/octet-stream',
      ttl: String(ttlSeconds),
      urgency: 'high',
    },
    body: await encryptPush(sub, enc.encode(payload)),
    signal: AbortSignal.timeout(10_000),
  });
}
