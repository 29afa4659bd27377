// Where to go after signing in. Only same-app paths are accepted, so a crafted
// `/login?redirect=https://evil.example` link cannot bounce a fresh session to another site.

import type { LocationQueryValue } from 'vue-router'

export function safeRedirect(value: LocationQueryValue | LocationQueryValue[] | undefined): string {
  const raw = Array.isArray(value) ? value[0] : value
  if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || raw.startsWith('/\\')) return '/'
  if (raw.startsWith('/login') || raw.startsWith('/setup')) return '/'
  return raw
}
