import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The gateway serves the built app at /ui (src/ui); assets carry content hashes, so they are cached for a year.
export default defineConfig({
  base: '/ui/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // One vendor chunk for the libraries, which change far less often than the pages.
    chunkSizeWarningLimit: 2000,
    reportCompressedSize: false,
  },
  server: {
    // `npm run dev -w ui` against a gateway on :4000.
    proxy: { '^/(?!ui/|ui$|@|src/|node_modules/).*': 'http://localhost:4000' },
  },
});
