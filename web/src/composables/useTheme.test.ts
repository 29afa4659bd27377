import { afterEach, describe, expect, it, vi } from 'vitest'
import { initTheme, useTheme } from './useTheme'

function prefersDark(dark: boolean): void {
  vi.stubGlobal('matchMedia', (query: string) => ({
    matches: dark && query.includes('dark'),
    media: query,
    addEventListener: () => {},
    removeEventListener: () => {},
  }))
}

afterEach(() => {
  localStorage.clear()
  delete document.documentElement.dataset.theme
})

describe('theme', () => {
  it('follows the system preference when nothing is stored', () => {
    prefersDark(true)
    initTheme()
    expect(document.documentElement.dataset.theme).toBe('dark')
  })

  it('prefers a stored choice over the system', () => {
    prefersDark(true)
    localStorage.setItem('agented-theme', 'light')
    initTheme()
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('toggles and remembers the choice', () => {
    prefersDark(false)
    initTheme()
    const { theme, toggle } = useTheme()

    toggle()

    expect(theme.value).toBe('dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(localStorage.getItem('agented-theme')).toBe('dark')
  })
})
