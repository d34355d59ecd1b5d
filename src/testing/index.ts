/**
 * Test helpers. `loginAs` logs a user in for a test client or a browser;
 * `testStore` and `testRememberTokenStore` are the conformance suites every store must pass.
 *
 * @example
 * ```ts
 * import { loginAs, testStore, testRememberTokenStore } from 'doorman-login/testing'
 * ```
 *
 * @module doorman-login/testing
 */
export { loginAs } from './login-as.ts'
export type { LoginAsOptions, TestLogin } from './login-as.ts'
export { testStore } from './store-suite.ts'
export type { TestStoreOptions } from './store-suite.ts'
export { testRememberTokenStore } from './remember-suite.ts'
export type { TestRememberTokenStoreOptions } from './remember-suite.ts'
export { testThrottleStore, type TestThrottleStoreOptions } from './throttle-suite.ts'
