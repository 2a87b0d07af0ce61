import { describe, expect, it } from 'vitest';
import type { Profile } from '../../shared/account/schema';
import { api, oidcSignIn } from './accounts';

describe('OpenID Connect sign-in against the local provider (oauth2-mock-server)', () => {
  it('runs authorization code + PKCE S256 with state and nonce, verifies the ID token, and signs the user in with cookies', async () => {
    const { jar, authorize, callback, done } = await oidcSignIn();
    const q = authorize.searchParams;
    expect(authorize.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(q.get('response_type')).toBe('code');
    expect(q.get('code_challenge_method')).toBe('S256');
    expect(q.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(q.get('redirect_uri')).toBe('http://edge.test/api/v1/auth/oidc/callback');
    expect(callback.searchParams.get('state')).toBe(q.get('state'));
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/#/account');
    expect(jar.get('__Secure-oidc')).toBeUndefined();
    const me = (await (await api('/api/v1/users/me', { cookies: jar })).json()) as Profile;
    expect(me).toMatchObject({ provider: 'oidc', email: 'jo@oidc.example', name: 'Jo Trader', roles: ['trader'] });
    // The same person signing in again lands in the same account.
    const again = await oidcSignIn();
    const me2 = (await (await api('/api/v1/users/me', { cookies: again.jar })).json()) as Profile;
    expect(me2.id).toBe(me.id);
  });

  it('shows the provider button only when one is configured', async () => {
    expect(await (await api('/api/v1/auth/providers')).json()).toEqual({ oidc: { name: 'Single sign-on', start: '/api/v1/auth/oidc/start' } });
  });
});
