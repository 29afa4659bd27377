// Short-lived messages ("Key revoked", "Could not sign out") shown in one live region, so screen
// readers announce them without moving focus.

import { reactive, readonly } from 'vue'

export type NoticeKind = 'success' | 'error' | 'info'

export interface Notice {
  id: number
  kind: NoticeKind
  message: string
  requestId: string | null
}

const list = reactive<Notice[]>([])
let nextId = 1

// Errors stay longer: people usually want to read or copy the request id.
const LIFETIME_MS: Record<NoticeKind, number> = { success: 5000, info: 5000, error: 12000 }

export function notify(kind: NoticeKind, message: string, requestId: string | null = null): number {
  const id = nextId++
  list.push({ id, kind, message, requestId })
  setTimeout(() => dismiss(id), LIFETIME_MS[kind])
  return id
}

export function dismiss(id: number): void {
  const index = list.findIndex((n) => n.id === id)
  if (index >= 0) list.splice(index, 1)
}

export const notices = readonly(list)
