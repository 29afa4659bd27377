// Who is using the UI, shared by the router guard, the header and the pages. One module-level state:
// there is exactly one browser session per tab, and the HttpOnly cookie that carries it is invisible to
// script, so the server's `/health/auth-status` and `/auth/me` are the only sources of truth.

import { computed, reactive, readonly } from 'vue'
import { ApiError, authApi, healthApi, isApiError, toApiError } from '../api/client'
import type { AuthStatus, Me, Role } from '../api/types'
import { roleSatisfies } from './roles'

interface SessionState {
  /** The last auth-status answer; null until it arrives or when the server could not be reached. */
  status: AuthStatus | null
  /** The signed-in key; null when not signed in (or when the server runs without auth). */
  me: Me | null
  /** Why the last refresh failed (server down, proxy error). */
  loadError: ApiError | null
}

const state = reactive<SessionState>({ status: null, me: null, loadError: null })
let pending: Promise<void> | null = null

async function fetchMe(): Promise<Me | null> {
  try {
    return await authApi.me()
  } catch (err) {
    if (isApiError(err) && err.status === 401) return null
    throw err
  }
}

async function load(): Promise<void> {
  try {
    const status = await healthApi.authStatus()
    const me = status.authenticated ? await fetchMe() : null
    state.status = { ...status, authenticated: status.authenticated && me !== null }
    state.me = me
    state.loadError = null
  } catch (err) {
    state.loadError = toApiError(err)
  }
}

/** Asks the server again who we are. Concurrent callers share one round trip. */
function refresh(): Promise<void> {
  pending = load().finally(() => {
    pending = null
  })
  return pending
}

let loadedOnce = false

/** Loads the session once per page load; the router guard awaits this before every navigation. */
async function ensureLoaded(): Promise<void> {
  if (pending) return pending
  if (loadedOnce && !state.loadError) return
  loadedOnce = true
  return refresh()
}

/**
 * Signs in with an API key, then asks the server again who we are, because a 200 from login does not
 * prove the browser kept the cookie: a `Secure` cookie is dropped on plain HTTP to anything but localhost.
 */
async function login(apiKey: string): Promise<Me> {
  await authApi.login(apiKey)
  await refresh()
  if (state.loadError) throw state.loadError
  if (!state.me) {
    throw new ApiError({
      status: 401,
      code: 'cookie_rejected',
      message:
        'The key was accepted, but the browser did not keep the session cookie. If you reach Agented over plain HTTP on an address other than localhost, serve it over HTTPS or change the server’s HTTPS setting.',
    })
  }
  return state.me
}

async function logout(): Promise<void> {
  try {
    await authApi.logout()
  } catch (err) {
    // Already signed out on the server side (expired or revoked): the goal is reached.
    if (!(isApiError(err) && err.status === 401)) throw err
  }
  markSignedOut()
  // Re-read the server's view too: a stale "auth not required" from first-run setup must not let the
  // next navigation through without a key.
  await refresh()
}

/** Forgets the signed-in key locally, e.g. after an API call answered 401. */
function markSignedOut(): void {
  state.me = null
  if (state.status) state.status = { ...state.status, authenticated: false }
}

const needsSetup = computed(() => state.status?.needs_setup === true)
/** True when the app pages may be shown: signed in, or the server does not ask for auth at all. */
const canEnter = computed(
  () => state.status !== null && !state.status.needs_setup && (state.me !== null || !state.status.auth_required),
)
const role = computed<Role | null>(() => state.me?.role ?? null)

/** True if the current user may do what `need` may. A server without auth lets everyone do everything. */
function hasRole(need: Role): boolean {
  if (state.me) return roleSatisfies(state.me.role, need)
  return state.status !== null && !state.status.auth_required
}

export function useSession() {
  return {
    state: readonly(state),
    needsSetup,
    canEnter,
    role,
    hasRole,
    ensureLoaded,
    refresh,
    login,
    logout,
    markSignedOut,
  }
}

/** Test helper: back to the state of a fresh page load. */
export function resetSession(): void {
  state.status = null
  state.me = null
  state.loadError = null
  pending = null
  loadedOnce = false
}
