// What each run status means for the UI: its words, its badge colour, whether it is over, and which
// controls make sense in it. The server decides for real (409 when a control does not apply); the UI
// only avoids offering what would certainly be refused.

import type { Backend, ExecutionStatus } from '../api/types'

export const BACKENDS: readonly Backend[] = ['claude', 'opencode', 'gemini', 'codex']

export const STATUSES: readonly ExecutionStatus[] = [
  'queued',
  'running',
  'paused',
  'success',
  'failed',
  'timeout',
  'cancelled',
  'interrupted',
  'pause_timeout',
  'rate_limited',
  'budget_blocked',
]

/** Statuses that count as failures on the dashboard. */
export const FAILURE_STATUSES: readonly ExecutionStatus[] = ['failed', 'timeout', 'interrupted', 'rate_limited']

const LABELS: Record<ExecutionStatus, string> = {
  queued: 'queued',
  running: 'running',
  paused: 'paused',
  success: 'success',
  failed: 'failed',
  timeout: 'timed out',
  cancelled: 'cancelled',
  interrupted: 'interrupted',
  pause_timeout: 'pause timed out',
  rate_limited: 'rate limited',
  budget_blocked: 'budget blocked',
}

const BADGES: Record<ExecutionStatus, string> = {
  queued: '',
  running: 'badge-accent',
  paused: 'badge-warning',
  success: 'badge-success',
  failed: 'badge-danger',
  timeout: 'badge-danger',
  cancelled: '',
  interrupted: 'badge-warning',
  pause_timeout: 'badge-warning',
  rate_limited: 'badge-warning',
  budget_blocked: 'badge-warning',
}

export function statusLabel(status: string): string {
  return LABELS[status as ExecutionStatus] ?? status
}

export function statusBadgeClass(status: string): string {
  return BADGES[status as ExecutionStatus] ?? ''
}

export function isActive(status: string): boolean {
  return status === 'queued' || status === 'running' || status === 'paused'
}

export function isTerminal(status: string): boolean {
  return !isActive(status)
}

export function isBackend(value: unknown): value is Backend {
  return typeof value === 'string' && (BACKENDS as readonly string[]).includes(value)
}

export function isStatus(value: unknown): value is ExecutionStatus {
  return typeof value === 'string' && (STATUSES as readonly string[]).includes(value)
}

export type RunAction = 'cancel' | 'pause' | 'resume' | 'replay'

/** Whether a control applies to a run in `status` (independent of who is asking). */
export function actionAllowed(action: RunAction, status: string): boolean {
  switch (action) {
    case 'cancel':
      return isActive(status)
    case 'pause':
      return status === 'running'
    case 'resume':
      return status === 'paused'
    case 'replay':
      return isTerminal(status)
  }
}

/** Why a control is disabled, for its tooltip and screen readers. */
export function actionDisabledReason(action: RunAction, status: string): string | null {
  if (actionAllowed(action, status)) return null
  switch (action) {
    case 'cancel':
      return 'Only a queued, running or paused run can be cancelled.'
    case 'pause':
      return 'Only a running run can be paused.'
    case 'resume':
      return 'Only a paused run can be resumed.'
    case 'replay':
      return 'A run can be replayed once it has finished.'
  }
}
