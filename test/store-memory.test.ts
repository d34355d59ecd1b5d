import { testRememberTokenStore, testStore } from '../src/testing/index.ts'
import { memoryStore } from '../src/stores/memory.ts'

testStore('memory store', () => memoryStore())
testRememberTokenStore('memory store', () => memoryStore())
