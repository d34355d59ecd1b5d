import path from 'node:path'
import type { NextConfig } from 'next'

// The example lives inside the doorman repository and imports doorman from its sources (see
// tsconfig.json's paths); in your app, `npm install doorman-login` and drop `turbopack.root`.
const config: NextConfig = {
  turbopack: { root: path.resolve(import.meta.dirname, '../..') },
}

export default config
