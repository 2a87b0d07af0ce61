import { defineConfig } from 'vite';
import solid from 'vite-plugin-solid';

export default defineConfig({
  root: 'app',
  // app/public: static files served as-is (the forecast model and its card under models/).
  publicDir: 'public',
  plugins: [solid()],
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
