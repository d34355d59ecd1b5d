/** The ambient accessors are typed with the registered user. */
import { AnonymousUser, currentUser, getUser, loginUser, getAuth } from 'doorman-login'
import { Admin, User } from './user.js'

export async function handler(): Promise<string> {
  const current: User | AnonymousUser = await currentUser()
  // @ts-expect-error the registered user or the anonymous user, not Admin
  const wrong: Admin | AnonymousUser = await currentUser()
  const user: User | null = await getUser()
  // @ts-expect-error may be null
  const sure: User = await getUser()
  await loginUser(new User('1', 'alice'), { remember: true })
  // @ts-expect-error only the registered user logs in
  await loginUser(new Admin('1', 9))
  const viaAuth: User | null = await getAuth().getUser()
  return `${current} ${wrong} ${user} ${sure} ${viaAuth}`
}
