// Role order and the words the UI uses for each role. The server is the authority on what a role may
// do; the UI only uses this to hide actions that would certainly be refused.

import type { Role } from '../api/types'

/** Least privileged first; each role includes everything before it. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'editor', 'admin']

/** One line per role, shown next to role pickers. */
export const ROLE_SUMMARIES: Record<Role, string> = {
  viewer: 'Can read everything.',
  operator: 'Can also run, cancel, pause and resume bots.',
  editor: 'Can also create and edit bots, backends and budgets.',
  admin: 'Can also manage API keys, settings and secrets, and delete.',
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value)
}

/** True if and only if `have` may do what `need` may do. */
export function roleSatisfies(have: Role, need: Role): boolean {
  return ROLES.indexOf(have) >= ROLES.indexOf(need)
}
