// @ts-check
import { defineConfig } from 'astro/config';

/**
 * The static status site. The publisher (api/workers/publisher.ts) runs `astro build` with
 * HEADROOM_SITE_OUT set to a fresh folder and HEADROOM_API_URL pointing at the running API;
 * every page fetches its data from that API at build time.
 */
const mode = process.env.HEADROOM_SITE_MODE === 'internal' ? 'internal' : 'public';

export default defineConfig({
  srcDir: './site',
  publicDir: './site/public',
  outDir: process.env.HEADROOM_SITE_OUT ?? './dist',
  output: 'static',
  // Each build kind gets its own cache so a public and an internal build never share one.
  cacheDir: process.env.HEADROOM_SITE_CACHE ?? './node_modules/.astro',
  base: mode === 'internal' ? '/internal' : '/',
  trailingSlash: 'ignore',
  build: { format: 'directory', inlineStylesheets: 'always' },
  compressHTML: true,
  devToolbar: { enabled: false },
  prefetch: false,
});
