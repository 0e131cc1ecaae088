/// <reference types="vitest/config" />
import { defineConfig } from "vite";

// Built into the Python package so `ledger serve` (and the wheel, and the Docker image) serve
// it at /app/ with no node at run time. No plugin: Vite compiles TSX itself.
export default defineConfig({
  base: "/app/",
  build: {
    outDir: "../entrypoints/webapp",
    emptyOutDir: true,
    target: "es2022",
    // The polyfill is injected as code into the entry; every browser we target has
    // modulepreload, and the strict CSP forbids nothing it would do, but it is dead weight.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  oxc: { jsx: { runtime: "automatic" } },
  // `npm run dev` next to `make demo`: the API, sign-in and config come from the service.
  server: {
    proxy: {
      "/graphql": { target: "http://127.0.0.1:8000", ws: true },
      "/auth": "http://127.0.0.1:8000",
      "/app/config.json": "http://127.0.0.1:8000",
    },
  },
  test: { environment: "node", include: ["src/**/*.test.ts"] },
});
