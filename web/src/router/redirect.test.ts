import { describe, expect, it } from 'vitest'
import { safeRedirect } from './redirect'

describe('safeRedirect', () => {
  it('keeps in-app paths with their query', () => {
    expect(safeRedirect('/settings/audit?action=auth.')).toBe('/settings/audit?action=auth.')
  })

  it.each([undefined, null, '', 'https://evil.example/', '//evil.example/x', '/\\evil.example', 'javascript:alert(1)', '/login', '/setup'])(
    'sends %s to the dashboard instead',
    (value) => {
      expect(safeRedirect(value)).toBe('/')
    },
  )

  it('uses the first value of a repeated parameter', () => {
    expect(safeRedirect(['/runs', 'https://evil.example'])).toBe('/runs')
  })
})
