// Keeps keyboard focus inside a dialog while it is open and gives it back to whatever opened the
// dialog when it closes, as the WAI-ARIA dialog pattern asks.

import { nextTick, type Ref } from 'vue'

const FOCUSABLE = [
  'a[href]',
  'button:not([disabled])',
  'input:not([disabled]):not([type="hidden"])',
  'select:not([disabled])',
  'textarea:not([disabled])',
  '[tabindex]:not([tabindex="-1"])',
].join(',')

export function focusableIn(container: HTMLElement): HTMLElement[] {
  return Array.from(container.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => !el.hasAttribute('inert'))
}

export function useFocusTrap(container: Ref<HTMLElement | null>) {
  let returnTo: HTMLElement | null = null

  /** Call after the dialog is rendered. Focuses `[data-autofocus]`, else the first control, else the dialog. */
  async function activate(): Promise<void> {
    returnTo = document.activeElement instanceof HTMLElement ? document.activeElement : null
    await nextTick()
    const el = container.value
    if (!el) return
    const preferred = el.querySelector<HTMLElement>('[data-autofocus]')
    ;(preferred ?? focusableIn(el)[0] ?? el).focus()
  }

  function deactivate(): void {
    const target = returnTo
    returnTo = null
    if (target?.isConnected) target.focus()
  }

  /** Wraps Tab and Shift+Tab at the ends of the dialog. Attach to the dialog's keydown. */
  function onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Tab') return
    const el = container.value
    if (!el) return
    const items = focusableIn(el)
    const first = items[0]
    const last = items[items.length - 1]
    if (!first || !last) {
      event.preventDefault()
      el.focus()
      return
    }
    const active = document.activeElement
    if (event.shiftKey && (active === first || active === el)) {
      event.preventDefault()
      last.focus()
    } else if (!event.shiftKey && active === last) {
      event.preventDefault()
      first.focus()
    }
  }

  return { activate, deactivate, onKeydown }
}
