// Light/dark theme. An explicit choice is remembered in localStorage; without one the UI follows the
// operating system and keeps following it when it changes. The theme is a `data-theme` attribute on
// <html> that base.css keys its colour variables on.

import { readonly, ref } from 'vue'

export type Theme = 'light' | 'dark'

const STORAGE_KEY = 'agented-theme'
const DARK_QUERY = '(prefers-color-scheme: dark)'

const theme = ref<Theme>('light')
let started = false

function readStored(): Theme | null {
  // localStorage throws in some privacy modes and sandboxed frames; a theme is not worth failing over.
  try {
    const value = window.localStorage.getItem(STORAGE_KEY)
    return value === 'light' || value === 'dark' ? value : null
  } catch {
    return null
  }
}

function systemTheme(): Theme {
  return window.matchMedia?.(DARK_QUERY).matches ? 'dark' : 'light'
}

function apply(next: Theme): void {
  theme.value = next
  document.documentElement.dataset.theme = next
}

/** Applies the stored or system theme; call once before mounting so the first paint is right. */
export function initTheme(): void {
  apply(readStored() ?? systemTheme())
  if (started) return
  started = true
  window.matchMedia?.(DARK_QUERY).addEventListener?.('change', () => {
    if (!readStored()) apply(systemTheme())
  })
}

function setTheme(next: Theme): void {
  apply(next)
  try {
    window.localStorage.setItem(STORAGE_KEY, next)
  } catch {
    // Not persisted; the choice still holds for this page load.
  }
}

export function useTheme() {
  return {
    theme: readonly(theme),
    setTheme,
    toggle: () => setTheme(theme.value === 'dark' ? 'light' : 'dark'),
  }
}
