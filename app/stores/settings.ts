import { createEffect, createSignal, onCleanup } from 'solid-js';
import type { Preferences } from '../../shared/account/schema';
import type { Bandwidth } from '../../shared/protocol/messages';
import type { Session } from './session';

export type Theme = Preferences['theme'];
export type UpDown = NonNullable<Preferences['upDown']>;
export interface Settings { theme: Theme; upDown: UpDown; bandwidth: Bandwidth }

export const SETTINGS_KEY = 'edgetape.settings';
const DEFAULTS: Settings = { theme: 'system', upDown: 'green-red', bandwidth: 'full' };
const THEMES: readonly Theme[] = ['system', 'dark', 'light'];
const UP_DOWN: readonly UpDown[] = ['green-red', 'blue-orange'];
const BANDWIDTHS: readonly Bandwidth[] = ['full', 'reduced', 'minimal'];

/** This device's settings; anything unreadable or unknown falls back to the default, field by field. */
export function localSettings(): Settings {
  let raw: Partial<Record<keyof Settings, unknown>> = {};
  try {
    raw = JSON.parse(localStorage.getItem(SETTINGS_KEY) ?? '{}') as typeof raw;
  } catch {
    // a hand-edited or foreign value: defaults
  }
  const pick = <T>(v: unknown, allowed: readonly T[], d: T): T => (allowed.includes(v as T) ? (v as T) : d);
  return { theme: pick(raw.theme, THEMES, DEFAULTS.theme), upDown: pick(raw.upDown, UP_DOWN, DEFAULTS.upDown), bandwidth: pick(raw.bandwidth, BANDWIDTHS, DEFAULTS.bandwidth) };
}

/**
 * Theme, up/down colours and bandwidth: the account's preferences when signed in (so every device gets
 * them), else this device's localStorage, which also keeps the last values for the next cold start.
 * Applies the theme and colours to the document (data-theme, data-updown) and the bandwidth through `apply`.
 */
export function createSettings(session: Session, apply: { bandwidth(b: Bandwidth): void }) {
  const [local, setLocal] = createSignal(localSettings());
  // Choices on their way to the account: shown at once (the radios are controlled), dropped when the write settles.
  const [pending, setPending] = createSignal<Partial<Settings>>({});
  const current = (): Settings => {
    const p = session.prefs()?.prefs;
    const saved = p ? { theme: p.theme, upDown: p.upDown ?? local().upDown, bandwidth: p.bandwidth ?? local().bandwidth } : local();
    return { ...saved, ...pending() };
  };
  const media = matchMedia('(prefers-color-scheme: light)');
  const [systemLight, setSystemLight] = createSignal(media.matches);
  const onMedia = (e: MediaQueryListEvent) => setSystemLight(e.matches);
  media.addEventListener('change', onMedia);
  onCleanup(() => media.removeEventListener('change', onMedia));

  createEffect(() => {
    const s = current();
    const root = document.documentElement;
    root.dataset.theme = s.theme === 'system' ? (systemLight() ? 'light' : 'dark') : s.theme;
    root.dataset.updown = s.upDown;
    localStorage.setItem(SETTINGS_KEY, JSON.stringify(s));
  });
  createEffect(() => apply.bandwidth(current().bandwidth));

  const set = async <K extends keyof Settings>(key: K, value: Settings[K]): Promise<void> => {
    setLocal({ ...local(), [key]: value });
    if (!session.prefs()) return;
    setPending({ ...pending(), [key]: value });
    try {
      await session.update(() => ({ [key]: value }));
    } finally {
      // a later choice of the same setting keeps its own pending value
      if (pending()[key] === value) {
        const rest: Partial<Settings> = { ...pending() };
        delete rest[key];
        setPending(rest);
      }
    }
  };
  return { current, set };
}
