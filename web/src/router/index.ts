// Builds the router: history mode (the server falls back to index.html for client paths), the auth
// guard, tab titles, and focus moved to the new page for keyboard and screen-reader users.

import { nextTick } from 'vue'
import { createRouter, createWebHistory, type RouterHistory } from 'vue-router'
import { authGuard } from './guard'
import { routes } from './routes'

// After a server upgrade an open tab still knows the old hashed chunk names, which no longer exist.
const STALE_CHUNK = /Failed to fetch dynamically imported module|Importing a module script failed|error loading dynamically imported module/i

export function createAppRouter(history: RouterHistory = createWebHistory()) {
  const router = createRouter({
    history,
    routes,
    scrollBehavior: (_to, _from, saved) => saved ?? { top: 0 },
  })

  router.beforeEach(authGuard)

  let firstNavigation = true
  router.afterEach((to, from, failure) => {
    if (failure) return
    const titles = to.matched.map((r) => r.meta.title).filter(Boolean)
    document.title = titles.length ? `${titles[titles.length - 1]} · Agented` : 'Agented'
    // Move focus to the page (not on first load: the browser already starts at the top) so the next
    // Tab continues inside the new page and screen readers notice the change.
    if (firstNavigation) {
      firstNavigation = false
      return
    }
    if (to.path === from.path) return
    void nextTick(() => document.getElementById('main')?.focus())
  })

  router.onError((error, to) => {
    // A full page load fetches the new index.html and its new chunk names.
    if (error instanceof Error && STALE_CHUNK.test(error.message)) window.location.assign(to.fullPath)
  })

  return router
}
