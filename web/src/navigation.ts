// The main navigation, in order. Pages that later issues build are listed now so the shape of the
// product is visible; their routes show what they will hold instead of invented data.

export interface NavItem {
  label: string
  to: string
}

export const NAV_ITEMS: readonly NavItem[] = [
  { label: 'Dashboard', to: '/' },
  { label: 'Bots', to: '/bots' },
  { label: 'Runs', to: '/runs' },
  { label: 'Backends', to: '/backends' },
  { label: 'Costs', to: '/costs' },
  { label: 'Settings', to: '/settings' },
]
