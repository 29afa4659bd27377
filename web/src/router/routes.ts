// The route table. SPA paths must stay clear of the server's own prefixes (/admin, /api, /health,
// /auth, /docs, /openapi.json, /metrics): the server sends those to its handlers, not to index.html.

import type { RouteRecordRaw } from 'vue-router'
import LoginView from '../views/LoginView.vue'
import SetupView from '../views/SetupView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    /** Shown in the tab title. */
    title?: string
    /** Reachable without signing in. */
    public?: boolean
    /** Rendered without the app header and navigation. */
    bare?: boolean
    /** For sections a later issue builds: what will be here. */
    planned?: { arrivesWith: string; description: string }
  }
}

// Pages behind sign-in load on demand, so the sign-in screen stays small as the app grows.
const PlannedView = () => import('../views/PlannedView.vue')

export const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { title: 'Sign in', public: true, bare: true } },
  { path: '/setup', name: 'setup', component: SetupView, meta: { title: 'First-run setup', public: true, bare: true } },
  { path: '/', name: 'dashboard', component: () => import('../views/DashboardView.vue'), meta: { title: 'Dashboard' } },
  {
    path: '/bots',
    name: 'bots',
    component: PlannedView,
    meta: {
      title: 'Bots',
      planned: {
        arrivesWith: 'bot management',
        description: 'Bots run an AI coding CLI with a prompt, started by hand, on a schedule or by a webhook.',
      },
    },
  },
  { path: '/runs', name: 'runs', component: () => import('../views/runs/RunsView.vue'), meta: { title: 'Runs' } },
  { path: '/runs/:id', name: 'run', component: () => import('../views/runs/RunView.vue'), meta: { title: 'Run' } },
  {
    path: '/runs/:id/compare',
    name: 'run-compare',
    component: () => import('../views/runs/RunCompareView.vue'),
    meta: { title: 'Replay comparison' },
  },
  {
    path: '/backends',
    name: 'backends',
    component: PlannedView,
    meta: {
      title: 'Backends',
      planned: {
        arrivesWith: 'backend management',
        description: 'The AI coding CLIs this server can run, their accounts, and whether each is installed and healthy.',
      },
    },
  },
  {
    path: '/costs',
    name: 'costs',
    component: PlannedView,
    meta: {
      title: 'Costs',
      planned: {
        arrivesWith: 'budgets and usage',
        description: 'Token usage and spend per bot and backend, with soft and hard budget limits.',
      },
    },
  },
  {
    path: '/settings',
    component: () => import('../views/settings/SettingsView.vue'),
    meta: { title: 'Settings' },
    children: [
      { path: '', name: 'settings', redirect: { name: 'api-keys' } },
      {
        path: 'api-keys',
        name: 'api-keys',
        component: () => import('../views/settings/ApiKeysView.vue'),
        meta: { title: 'API keys' },
      },
      {
        path: 'audit',
        name: 'audit-log',
        component: () => import('../views/settings/AuditLogView.vue'),
        meta: { title: 'Audit log' },
      },
    ],
  },
  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('../views/NotFoundView.vue'), meta: { title: 'Not found' } },
]
