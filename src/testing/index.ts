/**
 * @module doorman/testing: test helpers. `loginAs` logs a user in for a test client or a browser;
 * `testStore` is the conformance suite every session store must pass.
 *
 * @example
 * ```ts
 * import { loginAs, testStore } from 'doorman/testing'
 * ```
 */
export { loginAs } from './login-as.ts'
export type { LoginAsOptions, TestLogin } from './login-as.ts'
export { testStore } from './store-suite.ts'
export type { TestStoreOptions } from './store-suite.ts'
