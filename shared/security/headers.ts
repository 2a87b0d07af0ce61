/**
 * Response headers for the app and the API, in one place: the Worker sets them on API responses and the
 * build writes them to dist/_headers, which Workers static assets apply to every file it serves.
 * COOP + COEP make the page cross-origin isolated, which onnxruntime-web needs for SharedArrayBuffer threads.
 */
export const APP_CSP = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** An API response is data, never a document: it may load nothing and be framed by no one. */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

export const COMMON_HEADERS: Record<string, string> = {
  'Strict-Transport-Security': 'max-age=63072000; includeSubDomains; preload',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'X-Frame-Options': 'DENY',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
};

const rule = (path: string, headers: Record<string, string>): string[] => [path, ...Object.entries(headers).map(([k, v]) => `  ${k}: ${v}`)];

/**
 * The `_headers` file for Workers static assets (Cloudflare Pages syntax). Vite names everything under /assets/ by
 * its content hash, so a cached copy is never wrong: no revalidation round trip on a reload or a worker's cold start.
 */
export const staticHeadersFile = (): string =>
  [
    ...rule('/*', { ...COMMON_HEADERS, 'Content-Security-Policy': APP_CSP }),
    ...rule('/assets/*', { 'Cache-Control': 'public, max-age=31536000, immutable' }),
    '',
  ].join('\n');
