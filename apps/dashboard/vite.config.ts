import { defineConfig } from 'vite';

/**
 * A static bundle with relative asset paths (base './'), so the same files work at /ui/ on the API and
 * at any path of another static server. JSX is compiled by Vite's own transformer (no React plugin: the
 * bundle needs no fast refresh or Babel).
 */
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    rolldownOptions: {
      onwarn(warning, warn) {
        // React libraries mark modules "use client" for server components; a client-only bundle ignores it.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
});
