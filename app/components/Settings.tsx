import { createSignal, For, onCleanup, Show } from 'solid-js';
import { BANDWIDTH, type Bandwidth } from '../../shared/protocol/messages';
import { bytes } from '../format';
import type { Session } from '../stores/session';
import { createSettings, type Settings as Values } from '../stores/settings';
import type { DataApi, Traffic } from '../workers/view';

const CHOICES: { [K in keyof Values]: { legend: string; options: [Values[K], string][] } } = {
  theme: { legend: 'Theme', options: [['system', 'System'], ['dark', 'Dark'], ['light', 'Light']] },
  upDown: { legend: 'Up / down colours', options: [['green-red', 'Green / red'], ['blue-orange', 'Blue / orange (colour-blind safe)']] },
  bandwidth: { legend: 'Bandwidth', options: [['full', 'Full'], ['reduced', 'Reduced'], ['minimal', 'Minimal']] },
};

const describe = (b: Bandwidth): string => {
  const r: { depth?: number; bookMs?: number; tradesMs?: number } = BANDWIDTH[b];
  if (!r.depth) return 'every update, the whole book';
  return `book ${r.depth} levels at most every ${r.bookMs} ms${r.tradesMs ? `, trades batched per ${r.tradesMs / 1000} s (none dropped)` : ''}`;
};

/**
 * The settings button and its panel: theme, up/down colours, bandwidth, and what this connection costs.
 * Self-contained: mounting it in the header creates the settings store, which applies them.
 */
export function Settings(props: { session: Session; market: { api: () => Pick<DataApi, 'setBandwidth'> | undefined; view: () => { traffic: Traffic } | null } }) {
  const settings = createSettings(props.session, { bandwidth: (b) => void props.market.api()?.setBandwidth(b) });
  const [open, setOpen] = createSignal(false);
  let root!: HTMLDivElement;
  let button!: HTMLButtonElement;
  const close = (e: Event) => {
    if (!open()) return;
    if (e instanceof KeyboardEvent ? e.key === 'Escape' : !root.contains(e.target as Node)) setOpen(false);
    // Escape hands focus back to the button that opened the panel
    if (e instanceof KeyboardEvent && e.key === 'Escape') button.focus();
  };
  document.addEventListener('keydown', close);
  document.addEventListener('pointerdown', close);
  onCleanup(() => {
    document.removeEventListener('keydown', close);
    document.removeEventListener('pointerdown', close);
  });
  const group = <K extends keyof Values>(key: K) => (
    <fieldset>
      <legend>{CHOICES[key].legend}</legend>
      <For each={CHOICES[key].options}>
        {([value, label]) => (
          <label>
            <input type="radio" name={`setting-${key}`} value={value} data-testid={`setting-${key}-${value}`} checked={settings.current()[key] === value} onChange={() => void settings.set(key, value)} />
            {label}
          </label>
        )}
      </For>
    </fieldset>
  );
  const traffic = () => props.market.view()?.traffic;
  return (
    <div class="settings" ref={root}>
      <button ref={button} type="button" aria-expanded={open()} aria-controls="settings-panel" data-testid="settings-button" onClick={() => setOpen(!open())}>
        Settings
      </button>
      <Show when={open()}>
        <section id="settings-panel" class="settings-panel" role="dialog" aria-label="Settings" data-testid="settings-panel">
          <h2>Settings</h2>
          {group('theme')}
          {group('upDown')}
          {group('bandwidth')}
          <p class="hint">{describe(settings.current().bandwidth)}</p>
          <Show when={traffic()}>
            {(t) => (
              <p class="traffic" data-testid="traffic" data-bytes-per-minute={Math.round(t().bytesPerMinute)} data-total-bytes={t().totalBytes}>
                Received <strong>{bytes(t().bytesPerMinute)}</strong> per minute
                <span class="muted"> (last {Math.round(t().windowMs / 1000)} s{t().honoured === false ? '; this edge ignores the bandwidth setting' : ''})</span>
              </p>
            )}
          </Show>
          <p class="hint">{props.session.prefs() ? 'Saved to your account: every device you sign in on gets these.' : 'Saved on this device. Sign in to keep them on every device.'}</p>
        </section>
      </Show>
    </div>
  );
}
