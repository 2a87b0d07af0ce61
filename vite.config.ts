import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, transformWithOxc, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';
import { staticHeadersFile } from './shared/security/headers.ts';

/** Emits sw.js (app/sw.ts) with the list of every built file to precache and a version from their hashes. */
function serviceWorker(): Plugin {
  return {
    name: 'edgetape-sw',
    apply: 'build',
    async generateBundle(_opts, bundle) {
      const files = Object.keys(bundle).filter((f) => !f.endsWith('.map'));
      const version = createHash('sha256').update(files.sort().join('\n')).digest('hex').slice(0, 12);
      const src = readFileSync(new URL('./app/sw.ts', import.meta.url), 'utf8');
      const { code } = await transformWithOxc(src, 'sw.ts');
      const precache = ['/', ...files.filter((f) => f !== 'index.html').map((f) => `/${f}`)];
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: `const PRECACHE = ${JSON.stringify(precache)};\nconst VERSION = '${version}';\n${code}` });
    },
  };
}

export default defineConfig({
  root: 'app',
  // app/public: static files served as-is (the forecast model and its card under models/).
  publicDir: 'public',
  plugins: [
    solid(),
    serviceWorker(),
    // Workers static assets read dist/_headers: the app gets the same CSP/COOP/COEP/HSTS set as the API.
    { name: 'edgetape-headers', apply: 'build', generateBundle() { this.emitFile({ type: 'asset', fileName: '_headers', source: staticHeadersFile() }); } },
  ],
  worker: { format: 'es' },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // forecast-lab.html drives the inference worker on recorded bars (e2e test, Chromium benchmark).
    rollupOptions: { input: { main: 'app/index.html', lab: 'app/forecast-lab.html' } },
  },
  server: {
    // `vite` alone serves the UI; the socket and API come from `wrangler dev`.
    proxy: { '/ws': { target: 'ws://127.0.0.1:8787', ws: true }, '/api': 'http://127.0.0.1:8787' },
  },
});
