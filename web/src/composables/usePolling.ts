// Calls `tick` every `intervalMs` while the page is visible: a hidden tab asks the server nothing,
// and catches up at once when it is shown again. A tick never overlaps the previous one.

import { onScopeDispose } from 'vue'

export function usePolling(tick: () => Promise<unknown> | unknown, intervalMs: number, options: { immediate?: boolean } = {}) {
  let timer: ReturnType<typeof setTimeout> | null = null
  let running = false
  let stopped = false

  const visible = () => typeof document === 'undefined' || document.visibilityState !== 'hidden'

  function schedule(): void {
    if (stopped || timer !== null) return
    timer = setTimeout(() => {
      timer = null
      void run()
    }, intervalMs)
  }

  async function run(): Promise<void> {
    if (stopped || running) return
    if (!visible()) return // resumed by the visibilitychange listener
    running = true
    try {
      await tick()
    } catch {
      // The tick shows its own errors; polling goes on.
    } finally {
      running = false
      schedule()
    }
  }

  function onVisibility(): void {
    if (!visible() || stopped) return
    if (timer !== null) clearTimeout(timer)
    timer = null
    void run()
  }

  document.addEventListener('visibilitychange', onVisibility)
  if (options.immediate !== false) void run()
  else schedule()

  function stop(): void {
    stopped = true
    if (timer !== null) clearTimeout(timer)
    timer = null
    document.removeEventListener('visibilitychange', onVisibility)
  }

  onScopeDispose(stop)
  return { stop, runNow: () => run() }
}
