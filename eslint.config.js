import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import meshctl from './scripts/eslint/plugin.js'

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', 'coverage/', '.bench/', 'fixtures/', 'test/golden/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.{ts,tsx,js,mjs}'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        URL: 'readonly',
        URLSearchParams: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        queueMicrotask: 'readonly',
        structuredClone: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        NodeJS: 'readonly',
      },
    },
    plugins: {meshctl},
    rules: {
      'meshctl/layers': 'error',
      // The engine reads Envoy's and Kubernetes' untyped JSON: `any` is deliberate at those edges.
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', destructuredArrayIgnorePattern: '^_'},
      ],
    },
  },
  {
    // Start-up: what every run compiles. These load on first use through src/deps (yaml, re2js, JMESPath) or come from
    // oclif's own entry points (@oclif/core/flags, /args, /errors, /parser); oclif's index (help, plugins, themes) is
    // loaded by cli-entry.ts only for help and the plugin's commands. Types may be imported from anywhere.
    files: ['src/**/*.{ts,tsx}'],
    ignores: ['src/deps/**', 'src/hooks/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            {name: 'yaml', message: 'use src/deps/yaml.ts (loaded on first use)', allowTypeImports: true},
            {name: 're2js', message: 'use src/deps/re2.ts (loaded on first use)', allowTypeImports: true},
            {name: '@jmespath-community/jmespath', message: 'use src/deps/jmespath.ts (loaded on first use)', allowTypeImports: true},
            {
              name: '@oclif/core',
              message: "use @oclif/core/flags, /args, /errors or /parser: the index loads oclif's help and plugin machinery",
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
)
