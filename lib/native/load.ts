// Finds and loads the native addon once. VERPO_BACKEND=js skips it; VERPO_NATIVE_PATH points at a
// specific .node file (the cmake-js parity test uses it). A failed load is remembered with its
// reason, so the pure-JS backend can serve and say why.
import * as path from 'path';

import type { NativeAddon } from './types';

export type { NativeAddon } from './types';

const root = path.resolve(__dirname, '..', '..');
let loaded: { addon: NativeAddon | null; error: string | null } | undefined;

export function requestedBackend(): 'js' | 'native' | 'auto' {
  const v = (process.env.VERPO_BACKEND ?? '').trim().toLowerCase();
  if (v === 'js' || v === 'native') return v;
  return 'auto';
}

function load(): { addon: NativeAddon | null; error: string | null } {
  if (requestedBackend() === 'js') return { addon: null, error: 'VERPO_BACKEND=js' };
  try {
    const explicit = process.env.VERPO_NATIVE_PATH;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const addon: NativeAddon = explicit ? require(path.resolve(explicit)) : require('node-gyp-build')(root);
    return { addon, error: null };
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { addon: null, error: msg };
  }
}

/** The addon, or null when it cannot load (see nativeLoadError()). */
export function native(): NativeAddon | null {
  if (!loaded) loaded = load();
  return loaded.addon;
}

/** Why the addon did not load, or null when it did. */
export function nativeLoadError(): string | null {
  if (!loaded) loaded = load();
  return loaded.error;
}

/** The addon, or an Error explaining why it is unavailable (for backend: 'native'). */
export function requireNative(what: string): NativeAddon {
  const a = native();
  if (!a) throw new Error(`${what}: the native backend is unavailable (${nativeLoadError()})`);
  return a;
}
