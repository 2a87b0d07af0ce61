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

/**
 * Preloads from the HTML the chunks the entry imports dynamically (the app and the chart's code): they download
 * while the entry loads instead of after it has run, and the entry still starts the data worker before the app
 * has been evaluated.
 */
function preloadLazyChunks(entries: string[]): Plugin {
  return {
    name: 'edgetape-preload-lazy',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        if (!ctx.path.endsWith('/index.html')) return;
        const bundle = ctx.bundle ?? {};
        const files = new Set<string>();
        const add = (file: string) => {
          const c = bundle[file];
          if (!c || c.type !== 'chunk' || files.has(file)) return;
          files.add(file);
          c.imports.forEach(add);
        };
        for (const c of Object.values(bundle)) if (c.type === 'chunk' && entries.some((e) => c.facadeModuleId?.endsWith(e))) add(c.fileName);
        return [...files].filter((f) => !html.includes(`/${f}"`)).map((f) => ({ tag: 'link', attrs: { rel: 'modulepreload', crossorigin: true, href: `/${f}` }, injectTo: 'head' as const }));
      },
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
    preloadLazyChunks(['app/App.tsx', 'app/components/chart/engine.ts']),
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
