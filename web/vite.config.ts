import { fileURLToPath, URL } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type ProxyOptions } from 'vite';

// The API and the SPA share one origin in production (the server serves web/dist),
// so in development and preview the same paths are proxied to the local server.
const apiTarget = process.env.CAMPUS_API_URL ?? 'http://127.0.0.1:3000';
const proxied = ['/api', '/healthz', '/readyz', '/metrics'];
const proxy: Record<string, ProxyOptions> = Object.fromEntries(
  proxied.map((path) => [path, { target: apiTarget, changeOrigin: false, xfwd: true, ws: true }]),
);

export default defineConfig({
  base: '/',
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  server: { host: '127.0.0.1', port: 5173, proxy },
  preview: { host: '127.0.0.1', port: 4173, proxy },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Element Plus is registered globally; its chunk is large but changes only on upgrades,
    // so it and the other libraries get their own long-cached chunks apart from our code.
    chunkSizeWarningLimit: 1200,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: 'element-plus', test: /node_modules[\\/](element-plus|@element-plus)[\\/]/, priority: 20 },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
});
