// typescript-eslint for the house rules (`npm run lint`). Prettier owns the layout (.prettierrc.json) and
// dependency-cruiser the module arrows (.dependency-cruiser.cjs).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const tests = ['**/*.spec.ts', 'test/**'];

export default defineConfig(
  globalIgnores(['**/node_modules/', '**/dist/', 'coverage/', 'bench/out/', '.tollgate/', '**/.api-report/', 'test-output/', 'ui/src/api/schema.d.ts']),
  {
    files: ['**/*.{ts,tsx,js,mjs,cjs}'],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    languageOptions: { globals: globals.node },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Type-aware rules, from one program for the whole TypeScript tree (the root tsconfig.json includes src, test,
    // migrations and the plugins' sources): about 25 s of the lint on 2 cores, most of it building that program.
    // consistent-type-imports needs it too: with emitDecoratorMetadata on, a class that only types a Nest
    // constructor parameter is a value import, and the rule knows that only from the program.
    files: ['**/*.ts'],
    ignores: ['ui/**'],
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      // `require(…) as typeof import(…)` types the lazy loads below, so import() type annotations stay allowed.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // …and an import of types only is `import type { … }`, the house style.
      '@typescript-eslint/no-import-type-side-effects': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-require-imports': [
        'error',
        {
          // Loaded on first use, not at boot: the vendor SDKs of the secret managers (src/secrets) and the
          // tokenizer's 1–2 MB rank tables (src/catalog/token-counter.ts).
          allow: ['^@aws-sdk/', '^@azure/', '^@google-cloud/', '^js-tiktoken/ranks/', '^\\./clients/[\\w.-]+$'],
        },
      ],
    },
  },
  {
    // DESIGN, Module contracts, Config: "Only src/config/ reads process.env" (`process.env.X` and `const { env } =
    // process` alike). The launcher (bin/tollgate.js) hands the environment to runCli; plugins get what they need
    // from their config. Tests set and read it freely.
    files: ['src/**/*.ts', 'plugins/*/src/**/*.ts'],
    ignores: ['src/config/**', ...tests],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Only src/config reads process.env (DESIGN, Module contracts).' }],
    },
  },
  {
    // The admin UI (ui/): browser code, bundled by Vite, typed by its own tsconfig (ui/tsconfig.json). The
    // recommended rules above apply as they are, the house import style too.
    files: ['ui/**/*.{ts,tsx}'],
    languageOptions: { globals: globals.browser },
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // CommonJS files: the launcher, jest.config.js, the dependency-cruiser config and the test plugin fixtures.
    files: ['**/*.{js,cjs}'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
