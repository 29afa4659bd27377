// Decides where a navigation may go, from the server's answer to "who is this?":
//   no key exists yet        → /setup (and nothing else)
//   not signed in            → /login?redirect=<where they wanted to go>
//   signed in, at /login     → onwards to the redirect target
// Before the first answer arrives nothing renders, so no protected page flashes.

import type { RouteLocationNormalized, RouteLocationRaw } from 'vue-router'
import { useSession } from '../auth/session'
import { safeRedirect } from './redirect'

export async function authGuard(to: RouteLocationNormalized): Promise<true | RouteLocationRaw> {
  const session = useSession()
  await session.ensureLoaded()
  // Server unreachable: App shows that state (with Retry) in place of any page.
  if (!session.state.status) return true

  if (session.needsSetup.value) return to.name === 'setup' ? true : { name: 'setup' }
  if (to.name === 'setup') return session.canEnter.value ? { name: 'dashboard' } : { name: 'login' }
  if (to.name === 'login') return session.canEnter.value ? safeRedirect(to.query.redirect) : true
  if (to.meta.public || session.canEnter.value) return true
  return { name: 'login', query: to.fullPath === '/' ? {} : { redirect: to.fullPath } }
}
