import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RECORDING } from '../../tools/fake-exchange/main';
import { hasData, REPO_ROOT } from '../../tools/paths';
import { hasChromium, NO_CHROMIUM, useReplayStack } from './browser';

const ARTIFACTS = join(REPO_ROOT, 'tests/e2e/artifacts');
const why = !hasChromium ? NO_CHROMIUM : '';

describe.skipIf(why !== '')(`accounts in the browser ${why}`, () => {
  // Market data from the replay where the recordings exist, so the page never reaches for a live venue.
  const f = useReplayStack(hasData() ? DEFAULT_RECORDING : undefined, { oidc: true, vars: { ADMIN_EMAILS: 'ada@example.test' } });
  const device = async (): Promise<Page> => (await f.device({ viewport: { width: 1100, height: 900 } })).page;
  const oidcSignIn = f.oidcSignIn;
  it('serves the app and the API with the security headers (dist/_headers honoured by wrangler dev)', async () => {
    const page = await fetch(f.stack.url);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'self'; script-src 'self' 'wasm-unsafe-eval'/);
    expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    expect(page.headers.get('strict-transport-security')).toMatch(/max-age=63072000/);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    // The shell revalidates; its content-hashed assets never need to.
    expect(page.headers.get('cache-control') ?? '').not.toMatch(/immutable/);
    const asset = /src="(\/assets\/main-[^"]+\.js)"/.exec(await page.text())?.[1];
    expect(asset).toBeDefined();
    const js = await fetch(`${f.stack.url}${asset}`);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(js.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
    const api = await fetch(`${f.stack.url}/api/v1/auth/providers`);
    expect(api.headers.get('content-security-policy')).toMatch(/^default-src 'none'/);
    expect(api.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
  });

  const signUp = async (page: Page, name: string, email: string, password: string) => {
    await page.goto(`${f.stack.url}/#/signup`);
    await page.getByLabel('Name').fill(name);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign up' }).click();
  };

  it('signs up with a password, submits KYC, and an admin verifies it and checks the audit chain', async () => {
    const page = await device();
    await signUp(page, 'Pat Password', 'pat@example.test', 'password1234');
    await expect.poll(() => page.getByTestId('auth-error').textContent()).toMatch(/breached/);
    await page.getByLabel('Password').fill('three blind mice on a ledger');
    await page.getByRole('button', { name: 'Sign up' }).click();
    await expect.poll(() => page.getByTestId('nav-account').textContent(), { timeout: 15_000 }).toBe('Pat Password');
    await page.goto(`${f.stack.url}/#/account`);
    await expect.poll(() => page.getByTestId('kyc-status').getAttribute('data-status')).toBe('unverified');
    // Cookies: the app holds no token it can read.
    expect(await page.evaluate(() => document.cookie)).not.toMatch(/__Host-at|rt=/);
    await page.getByPlaceholder('Legal name').fill('Pat Password');
    await page.getByPlaceholder('Country (ISO, e.g. DE)').fill('de');
    await page.getByPlaceholder('Document reference').fill('ID-4711');
    await page.getByRole('button', { name: 'Submit for review' }).click();
    await expect.poll(() => page.getByTestId('kyc-status').getAttribute('data-status')).toBe('submitted');

    const boss = await device();
    await signUp(boss, 'Ada Admin', 'ada@example.test', 'seven quiet harbours at low tide');
    await expect.poll(() => boss.getByTestId('nav-account').textContent(), { timeout: 15_000 }).toBe('Ada Admin');
    await boss.goto(`${f.stack.url}/#/admin`);
    await boss.getByRole('button', { name: 'Verify', exact: true }).click();
    await expect.poll(() => boss.getByTestId('admin').textContent()).toMatch(/Nothing waiting/);
    await boss.getByTestId('verify-audit').click();
    await expect.poll(() => boss.getByTestId('audit-result').getAttribute('data-ok')).toBe('true');
    mkdirSync(ARTIFACTS, { recursive: true });
    await boss.screenshot({ path: join(ARTIFACTS, 'accounts-admin.png') });
    await page.reload();
    await expect.poll(() => page.getByTestId('kyc-status').getAttribute('data-status'), { timeout: 10_000 }).toBe('verified');
  });

  /** The watchlist's instruments in order (each row also shows prices, so its text is not just the symbol). */
  const watched = (p: Page) => p.getByTestId('watch-item').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-symbol')));

  it('signs in with the local OIDC provider on two devices; a watchlist and layout set on one appear live on the other and on a third', async () => {
    const [a, b] = [await device(), await device()];
    await oidcSignIn(a);
    await oidcSignIn(b);
    for (const p of [a, b]) {
      await p.goto(`${f.stack.url}/#/`);
      await expect.poll(() => p.getByTestId('watchlist').getAttribute('data-live'), { timeout: 15_000 }).toBe('yes');
    }
    await a.getByTestId('watch-input').fill('eth-usdt');
    await a.getByTestId('panel-watchlist').getByRole('button', { name: 'Add' }).click();
    await a.getByTestId('watch-input').fill('SOL-USDT');
    await a.getByTestId('panel-watchlist').getByRole('button', { name: 'Add' }).click();
    await a.getByTestId('layout-interval').selectOption('5m');
    // Device B never reloads: the change arrives over its user channel.
    await expect.poll(() => watched(b), { timeout: 10_000 }).toEqual(['ETH-USDT', 'SOL-USDT']);
    await expect.poll(() => b.getByTestId('layout-interval').inputValue(), { timeout: 10_000 }).toBe('5m');
    await b.getByRole('button', { name: 'remove ETH-USDT' }).click();
    await expect.poll(() => watched(a), { timeout: 10_000 }).toEqual(['SOL-USDT']);

    // A new device restores what is stored.
    const c = await device();
    await oidcSignIn(c);
    await c.goto(`${f.stack.url}/#/`);
    await expect.poll(() => watched(c), { timeout: 10_000 }).toEqual(['SOL-USDT']);
    expect(await c.getByTestId('layout-interval').inputValue()).toBe('5m');
    mkdirSync(ARTIFACTS, { recursive: true });
    await b.screenshot({ path: join(ARTIFACTS, 'accounts-watchlist.png') });
    await c.goto(`${f.stack.url}/#/account`);
    await expect.poll(() => c.getByTestId('sessions').locator('li').count(), { timeout: 10_000 }).toBe(3);
    await c.screenshot({ path: join(ARTIFACTS, 'accounts-page.png'), fullPage: true });

    // Sign out everywhere ends the other devices' sessions too.
    await c.getByTestId('signout-everywhere').click();
    await expect.poll(() => a.getByTestId('nav-signin').isVisible(), { timeout: 10_000 }).toBe(true);
    expect(f.errors).toEqual([]);
  });
});
