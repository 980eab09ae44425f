/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is served by the console itself (`scim-console serve`, the desktop app), so it calls
// the admin API on its own origin. `npm run dev` proxies to a console started on :8444.
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: 'dist',
    sourcemap: false,
    // The plan's code editor (CodeMirror with JSON Schema support, ~890 kB) is its own chunk,
    // loaded when the JSON view first opens; the application's own chunks stay under 800 kB.
    chunkSizeWarningLimit: 900,
  },
  server: {
    // The deploy guide (docs/deploy.md) is built into the UI from the repository's docs.
    fs: { allow: ['.', '../docs'] },
    proxy: {
      '/api': 'http://127.0.0.1:8444',
      '/login': 'http://127.0.0.1:8444',
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    globals: true,
    exclude: ['node_modules', 'dist'],
    // A hang, not a speed limit: jsdom rendering on two busy cores can pass 5 s.
    testTimeout: 20_000,
    // Published as ES modules without file extensions: bundled for the tests as for the build.
    server: { deps: { inline: ['codemirror-json-schema'] } },
  },
});
