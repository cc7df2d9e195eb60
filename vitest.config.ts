import { existsSync } from 'node:fs'
import { defineConfig } from 'vitest/config'

// One inline project per package/app: glob-listed per-package configs did not inherit these resolve conditions.
const sourceConditions = ['@shipyard/source', 'module', 'node', 'development|production']

const projects = [
  'packages/zip-stream',
  'packages/health-watchdog',
  'packages/form-widgets',
  'packages/host-landing',
  'packages/s3-upload',
  'apps/server',
  'scripts',
]

export default defineConfig({
  // Tests run on src/ through the `@shipyard/source` export condition, no build needed.
  // The rest of the list is Vite's default server conditions, which setting the option replaces.
  resolve: { conditions: sourceConditions },
  // Without `module` for server code: the AWS SDK v3 lists `module` before `node` in its exports, pointing at
  // bundler-only dist-es files whose extensionless imports Node cannot load.
  ssr: { resolve: { conditions: sourceConditions.filter((condition) => condition !== 'module') } },
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    projects: projects.map((root) => ({
      extends: true,
      test: {
        name: root.split('/').pop(),
        root,
        // A project starts the real services its tests need (databases, S3, proxies) in test/global-setup.ts.
        globalSetup: existsSync(`${root}/test/global-setup.ts`) ? ['test/global-setup.ts'] : [],
      },
    })),
  },
})
