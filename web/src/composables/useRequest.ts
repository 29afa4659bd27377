// Loading / error / data for one GET that a view shows, with the abort plumbing in one place.

import { onScopeDispose, ref, shallowRef, type Ref, type ShallowRef } from 'vue'
import { ApiError, isAbortError, toApiError } from '../api/client'

export interface RequestState<T> {
  data: ShallowRef<T | null>
  loading: Ref<boolean>
  error: ShallowRef<ApiError | null>
  /** Runs the loader again (after a filter or page change, or from a Retry button). */
  reload: () => Promise<void>
}

export function useRequest<T>(
  loader: (signal: AbortSignal) => Promise<T>,
  options: { immediate?: boolean } = {},
): RequestState<T> {
  const data = shallowRef<T | null>(null)
  const loading = ref(false)
  const error = shallowRef<ApiError | null>(null)
  let current: AbortController | null = null

  async function reload(): Promise<void> {
    // A newer request supersedes an older one: when someone clicks "Next" twice quickly, the first
    // answer must not land after the second and show the wrong page.
    current?.abort()
    const controller = new AbortController()
    current = controller
    loading.value = true
    error.value = null
    try {
      const result = await loader(controller.signal)
      if (current === controller) data.value = result
    } catch (err) {
      if (current !== controller || isAbortError(err)) return
      error.value = toApiError(err)
    } finally {
      if (current === controller) loading.value = false
    }
  }

  onScopeDispose(() => current?.abort())
  if (options.immediate !== false) void reload()
  return { data, loading, error, reload }
}
