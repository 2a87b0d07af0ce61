import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { defineConfig, transformWithOxc, type Plugin } from 'vite';
import solid from 'vite-plugin-solid';

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
  publicDir: false,
  plugins: [solid(), serviceWorker()],
  worker: { format: 'es' },
  build: {
    outDir: '../dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    // `vite` alone serves the UI; the socket and API come from `wrangler dev`.
    proxy: { '/ws': { target: 'ws://127.0.0.1:8787', ws: true }, '/api': 'http://127.0.0.1:8787' },
  },
});
