import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';
import { staticHeadersFile } from './shared/security/headers.ts';

export default defineConfig({
  root: 'app',
  // app/public: static files served as-is (the forecast model and its card under models/).
  publicDir: 'public',
  plugins: [
    solid(),
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
