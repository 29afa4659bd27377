// Vite + Vitest configuration for the Agented web UI.
// The build lands in dist/ with hashed files under /assets/, which the Rust binary embeds and serves
// from `/`, falling back to index.html for client routes.
import { defineConfig } from 'vitest/config'
import vue from '@vitejs/plugin-vue'

// Where the Rust server listens by default during development.
const BACKEND = 'http://127.0.0.1:20000'

// Every path the server owns. SPA routes must never live under these prefixes, or a reload would hit
// the API instead of index.html (the original UI's `/admin/rbac` page rendered raw JSON for that reason).
const SERVER_PREFIXES = ['/admin', '/api', '/health', '/auth', '/openapi.json', '/docs', '/metrics']

export default defineConfig(({ command }) => ({
  plugins: [vue()],
  define:
    command === 'build'
      ? {
          // Every component uses <script setup>; dropping the Options API makes the Vue runtime smaller.
          // Only for the production build: @vue/test-utils relies on it in tests.
          __VUE_OPTIONS_API__: 'false',
          __VUE_PROD_DEVTOOLS__: 'false',
          __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
        }
      : {},
  server: {
    proxy: Object.fromEntries(
      SERVER_PREFIXES.map((prefix) => [
        prefix,
        {
          target: BACKEND,
          changeOrigin: true,
          // The server checks Origin on cookie-authenticated mutations. In development the browser's
          // Origin is the Vite server's, so present the backend's own origin instead; this only affects
          // the local dev proxy, never the built app, which is served by the Rust binary itself.
          configure: (proxy) => {
            proxy.on('proxyReq', (proxyReq) => {
              if (proxyReq.getHeader('origin')) proxyReq.setHeader('origin', BACKEND)
            })
          },
        },
      ]),
    ),
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsDir: 'assets',
    sourcemap: false,
    rolldownOptions: {
      output: {
        // Vue and the router in one `vendor` chunk: it changes only when dependencies do, so browsers
        // keep it cached across UI releases.
        codeSplitting: { groups: [{ name: 'vendor', test: /node_modules/ }] },
      },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
    unstubGlobals: true,
  },
}))
