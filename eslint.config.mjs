import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Every promise is awaited, returned or handled: an unhandled rejection exits a Node process. */
const promiseRules = {
  '@typescript-eslint/no-floating-promises': ['error', { checkThenables: true, ignoreVoid: false }],
  '@typescript-eslint/no-misused-promises': 'error',
};

export default tseslint.config(
  // Hand-written CommonJS sources (handler modules, harness children) are linted too; config files are not.
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/*.config.js',
      '**/jest-preset.js',
      '**/*.cjs',
      '**/*.mjs',
      // proto-loader-gen-types output (pnpm --filter @tq/api proto:gen)
      'apps/api/src/grpc/generated/**',
    ],
  },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      ...promiseRules,
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tq/*/src/*', '@tq/*/dist/*'],
              message: 'Import a workspace package by its name only.',
            },
          ],
        },
      ],
    },
  },
  {
    // Untyped JavaScript: the type-aware rules that matter here are the promise ones.
    files: ['**/*.js'],
    plugins: { '@typescript-eslint': tseslint.plugin },
    languageOptions: {
      parser: tseslint.parser,
      sourceType: 'commonjs',
      parserOptions: { project: './tsconfig.eslint-js.json', tsconfigRootDir: import.meta.dirname },
      globals: Object.fromEntries(
        ['require', 'module', 'exports', 'process', 'console', '__dirname', 'Buffer', 'URL', 'fetch']
          .concat(['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'AbortSignal'])
          .map((name) => [name, 'readonly']),
      ),
    },
    rules: promiseRules,
  },
  {
    // @tq/client is published for browsers and edge runtimes too: fetch and openapi-fetch only, never a
    // server package or a Node built-in (its tests may use both).
    files: ['packages/client/src/**/*.ts'],
    ignores: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@tq/*', 'node:*', 'fs', 'http', 'https', 'net', 'path', 'crypto', 'stream', 'os'],
              message:
                '@tq/client runs in browsers and edge runtimes: no server packages, no Node built-ins.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test-support/**'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
