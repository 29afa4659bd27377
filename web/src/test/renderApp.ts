// Mounts the whole app (router, guard, session) at a path, against whatever fetch the test installed.

import { flushPromises, mount } from '@vue/test-utils'
import { expect, vi } from 'vitest'
import { createMemoryHistory, type Router } from 'vue-router'
import App from '../App.vue'
import { createAppRouter } from '../router'

export async function renderApp(path: string) {
  const router = createAppRouter(createMemoryHistory())
  await router.push(path)
  await router.isReady()
  const wrapper = mount(App, { global: { plugins: [router] }, attachTo: document.body })
  await settle()
  return { wrapper, router }
}

/** Lets pending fetches, lazy route components and re-renders finish. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) {
    await flushPromises()
    await new Promise((resolve) => setTimeout(resolve, 0))
  }
}

/** Teleported dialogs live in document.body, outside the wrapper. */
export function byText(selector: string, text: string): HTMLElement | undefined {
  return Array.from(document.querySelectorAll<HTMLElement>(selector)).find((el) => el.textContent?.trim() === text)
}

/**
 * Waits until a navigation has landed. Lazy route components are compiled on first import in tests,
 * which can take longer than a few ticks.
 */
export async function untilRoute(router: Router, name: string): Promise<void> {
  await vi.waitFor(() => expect(router.currentRoute.value.name).toBe(name), { timeout: 5000, interval: 10 })
  await settle()
}
