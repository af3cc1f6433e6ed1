// ESLint flat config: typescript-eslint with type information; floating promises are errors.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '.cache/**', 'dist/**', 'test-output/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after'] }],
        },
      ],
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // One config module per process owns every environment variable it reads (docs/architecture.md).
    files: ['libs/**/*.ts', 'services/**/*.ts'],
    ignores: ['**/config.ts', '**/*.test.ts', 'libs/testkit/**'],
    rules: {
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Read environment variables in the config.ts of the process (a schema + loadConfig).',
        },
      ],
    },
  },
  {
    // Stage logic is pure: no process at all (exit codes, argv, env, stdout belong to the service).
    files: ['libs/stages/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'A stage is pure: the service wires process concerns.' }],
    },
  },
);
