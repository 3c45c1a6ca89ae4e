import { fileURLToPath } from 'node:url';

import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// The client core (../client/lib/core) and the medvault WebAssembly package
// (../vault/wasm/pkg, built by scripts/wasm.sh) live outside this folder:
// they are aliased in, and every @polkadot package resolves from web/'s own
// node_modules (dedupe), so there is one copy of each in the bundle.
export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: {
      '@medrec/core': here('../client/lib/core/index.js'),
      'medvault-wasm': here('../vault/wasm/pkg/medvault_wasm.js'),
    },
    dedupe: [
      '@polkadot/api',
      '@polkadot/api-contract',
      '@polkadot/keyring',
      '@polkadot/types',
      '@polkadot/util',
      '@polkadot/util-crypto',
    ],
  },
  server: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    fs: { allow: [here('..')] },
  },
  preview: { host: '127.0.0.1', port: 5173, strictPort: true },
  build: { target: 'es2022', chunkSizeWarningLimit: 4096 },
});
