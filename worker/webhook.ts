const enc = new TextEncoder();

/**
 * `t=<unix s>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`: the receiver recomputes it and rejects stale
 * timestamps, so a captured request can be neither altered nor replayed later.
 */
export async function signWebhook(secret: string, ts: number, body: string): Promise<string> {
  const key = await crypto.subtle.importKey('raw', enc.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, enc.encode(`${ts}.${body}`)));
  return `t=${ts},v1=${[...mac].map((b) => b.toString(16).padStart(2, '0')).join('')}`;
}
