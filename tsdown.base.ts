import { defineConfig, type UserConfig } from 'tsdown'

/** The build every package shares: one ESM entry for Node ≥ 20.19 with generated declarations (.mjs/.d.mts). */
export function packageBuild (overrides: UserConfig = {}): UserConfig {
  return defineConfig({
    entry: ['src/index.ts'],
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    fixedExtension: true,
    dts: true,
    ...overrides,
  })
}
