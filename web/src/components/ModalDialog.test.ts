import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import ModalDialog from './ModalDialog.vue'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

/** A page with an opener button and a dialog holding two inputs and a button. */
function mountDialog(dismissible = true) {
  const open = ref(false)
  const closes = ref(0)
  const Host = defineComponent({
    setup: () => () => [
      h('button', { id: 'opener', onClick: () => (open.value = true) }, 'Open'),
      h(
        ModalDialog,
        { open: open.value, title: 'Test dialog', dismissible, onClose: () => ((open.value = false), closes.value++) },
        () => [h('input', { id: 'first' }), h('input', { id: 'second' }), h('button', { id: 'last' }, 'OK')],
      ),
    ],
  })
  wrapper = mount(Host, { attachTo: document.body })
  return { open, closes }
}

async function settle(): Promise<void> {
  await nextTick()
  await nextTick()
}

function key(key: string, shiftKey = false): void {
  document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true }))
}

describe('ModalDialog', () => {
  it('is labelled by its title and moves focus inside when opened', async () => {
    const state = mountDialog()
    const opener = document.getElementById('opener') as HTMLButtonElement
    opener.focus()
    state.open.value = true
    await settle()

    const dialog = document.querySelector('[role="dialog"]')
    expect(dialog?.getAttribute('aria-modal')).toBe('true')
    expect(document.getElementById(dialog?.getAttribute('aria-labelledby') ?? '')?.textContent).toBe('Test dialog')
    // The first focusable control is the header's Close button.
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close')
  })

  it('wraps Tab and Shift+Tab inside the dialog', async () => {
    const state = mountDialog()
    state.open.value = true
    await settle()

    ;(document.getElementById('last') as HTMLElement).focus()
    key('Tab')
    expect(document.activeElement?.getAttribute('aria-label')).toBe('Close')
    key('Tab', true)
    expect(document.activeElement?.id).toBe('last')
  })

  it('closes on Escape and gives focus back to the opener', async () => {
    const state = mountDialog()
    const opener = document.getElementById('opener') as HTMLButtonElement
    opener.focus()
    state.open.value = true
    await settle()

    key('Escape')
    await settle()

    expect(state.closes.value).toBe(1)
    expect(document.querySelector('[role="dialog"]')).toBeNull()
    expect(document.activeElement).toBe(opener)
  })

  it('ignores Escape and the backdrop when not dismissible', async () => {
    const state = mountDialog(false)
    state.open.value = true
    await settle()

    key('Escape')
    document.querySelector('.backdrop')?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }))
    await settle()

    expect(state.closes.value).toBe(0)
    expect(document.querySelector('[role="dialog"] [aria-label="Close"]')).toBeNull()
  })
})
