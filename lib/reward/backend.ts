// Picks the backend for a call: an explicit option wins, then VERPO_BACKEND, then native if it loaded.
import { native, nativeLoadError, NativeAddon, requestedBackend, requireNative } from '../native/load';
import type { Backend } from './types';

let warned = false;

export function pickBackend(option: 'auto' | Backend | undefined): { backend: Backend; addon: NativeAddon | null } {
  const want = option && option !== 'auto' ? option : requestedBackend();
  if (want === 'js') return { backend: 'js', addon: null };
  if (want === 'native') return { backend: 'native', addon: requireNative('computeRewards') };
  const addon = native();
  if (addon) return { backend: 'native', addon };
  if (!warned) {
    warned = true;
    process.emitWarning(`native addon unavailable (${nativeLoadError()}); the pure-JS backend serves`, {
      code: 'VERPO_JS_FALLBACK',
    });
  }
  return { backend: 'js', addon: null };
}
