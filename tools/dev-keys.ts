import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './paths';

/**
 * Local secrets for `wrangler dev`, generated once into .dev.vars (gitignored) when a key is missing.
 * Deployments set the same names with `wrangler secret put`; no key ever lives in the code.
 */
export async function ensureDevVars(file = join(REPO_ROOT, '.dev.vars')): Promise<void> {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const has = (name: string) => new RegExp(`^${name}=`, 'm').test(text);
  const add: string[] = [];
  if (!has('VAPID_PUBLIC_KEY') || !has('VAPID_PRIVATE_KEY')) {
    const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
    add.push(`VAPID_PUBLIC_KEY=${Buffer.from(await crypto.subtle.exportKey('raw', pair.publicKey)).toString('base64url')}`);
    add.push(`VAPID_PRIVATE_KEY='${JSON.stringify(await crypto.subtle.exportKey('jwk', pair.privateKey))}'`);
  }
  if (!has('VAPID_SUBJECT')) add.push('VAPID_SUBJECT=mailto:alerts@localhost.invalid');
  if (add.length) writeFileSync(file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${add.join('\n')}\n`, { mode: 0o600 });
}

if (import.meta.url === `file://${process.argv[1]}`) await ensureDevVars();
