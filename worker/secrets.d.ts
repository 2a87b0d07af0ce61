// Secrets are not in wrangler.toml, so `wrangler types` sees them only when a .dev.vars exists; name them here
// (on both the global Env and the Cloudflare.Env that cloudflare:test exposes).
interface AccountSecrets {
  /** Private P-256 JWK (JSON) signing access tokens. */
  AUTH_SIGNING_KEY: string;
  /** base64url HMAC key deriving user ids from sign-in identities. */
  AUTH_ID_KEY: string;
  /** Only for a confidential OpenID Connect client; may be unset. */
  OIDC_CLIENT_SECRET: string;
}
interface Env extends AccountSecrets {}
declare namespace Cloudflare {
  interface Env extends AccountSecrets {}
}
