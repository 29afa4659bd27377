// Entry point: theme first (so the first paint has the right colours), then the router, which waits
// for the server's auth answer before the first page renders.

import { createApp } from 'vue'
import App from './App.vue'
import { onUnauthorized, toApiError } from './api/client'
import { useSession } from './auth/session'
import { initTheme } from './composables/useTheme'
import { notify } from './notices'
import { createAppRouter } from './router'
import './styles/base.css'

initTheme()

const app = createApp(App)
const router = createAppRouter()
app.use(router)

const session = useSession()
// An API call answered 401: the session expired or its key was revoked meanwhile.
onUnauthorized(() => {
  session.markSignedOut()
  const current = router.currentRoute.value
  if (current.meta.public) return
  void router.push({ name: 'login', query: { redirect: current.fullPath, reason: 'expired' } })
})

// Last resort for bugs: say something went wrong instead of failing silently.
app.config.errorHandler = (err) => {
  console.error(err)
  const error = toApiError(err)
  notify('error', `Something went wrong: ${error.message}`, error.requestId)
}

void router.isReady().then(() => app.mount('#app'))
