// Copy to clipboard. The async Clipboard API exists only in secure contexts (HTTPS or localhost), and
// Agented is often reached over plain HTTP on a LAN address, so fall back to the old selection copy.

import { ref } from 'vue'

async function writeText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text)
      return true
    }
  } catch {
    // Permission denied or not focused; try the fallback.
  }
  const area = document.createElement('textarea')
  area.value = text
  area.setAttribute('readonly', '')
  area.style.position = 'fixed'
  area.style.opacity = '0'
  document.body.appendChild(area)
  area.select()
  let ok = false
  try {
    ok = document.execCommand?.('copy') ?? false
  } catch {
    ok = false
  }
  area.remove()
  return ok
}

export function useClipboard(resetAfterMs = 2000) {
  const copied = ref(false)
  const failed = ref(false)
  let timer: ReturnType<typeof setTimeout> | undefined

  async function copy(text: string): Promise<boolean> {
    const ok = await writeText(text)
    copied.value = ok
    failed.value = !ok
    clearTimeout(timer)
    timer = setTimeout(() => {
      copied.value = false
      failed.value = false
    }, resetAfterMs)
    return ok
  }

  return { copy, copied, failed }
}
