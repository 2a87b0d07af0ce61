import { createMemo, createSignal } from 'solid-js';
import { DEFAULT_PREFERENCES, Preferences, type Workspace } from '../../shared/account/schema';
import { DEFAULT_WORKSPACE, layoutId, sanitize } from '../workspace/layout';
import type { Session } from './session';

const LOCAL_KEY = 'edgetape.prefs';
/** A browser nobody signed in to starts with the instrument the edge always serves. */
const LOCAL_DEFAULT: Preferences = { ...DEFAULT_PREFERENCES, watchlists: [{ id: 'main', name: 'Main', symbols: ['BTC-USDT'] }] };

function readLocal(): Preferences {
  try {
    const p = Preferences.safeParse(JSON.parse(localStorage.getItem(LOCAL_KEY) ?? 'null'));
    return p.success ? p.data : LOCAL_DEFAULT;
  } catch {
    return LOCAL_DEFAULT;
  }
}

/**
 * Watchlists and named workspace layouts, wherever they live: in the account (the edge pushes each change
 * to the user's other devices) when signed in, else in this browser's localStorage. Panels and the layout
 * bar only call `update`, which validates with the same schema the edge uses.
 */
export function createWorkspace(session: Session) {
  const [local, setLocal] = createSignal<Preferences>(readLocal());
  const signedIn = () => !!session.user();
  const prefs = createMemo<Preferences>(() => (signedIn() ? session.prefs()?.prefs ?? DEFAULT_PREFERENCES : local()));

  function update(edit: (p: Preferences) => Partial<Preferences>): Promise<void> {
    if (signedIn()) return session.update(edit);
    const next = Preferences.safeParse({ ...local(), ...edit(local()) });
    if (!next.success) return Promise.reject({ status: 400, detail: next.error.issues[0]?.message ?? 'invalid' });
    setLocal(next.data);
    try {
      localStorage.setItem(LOCAL_KEY, JSON.stringify(next.data));
    } catch {
      // storage full or denied: the layout still applies for this visit
    }
    return Promise.resolve();
  }

  const layouts = () => prefs().workspaces ?? [];
  /** The chosen layout, else the first saved, else the default; never shows a panel twice or one it does not know. */
  const active = createMemo<Workspace>(() => {
    const all = layouts();
    return sanitize(all.find((w) => w.id === prefs().activeWorkspace) ?? all[0] ?? DEFAULT_WORKSPACE);
  });

  /** Arranging edits the active layout in place (saving it under its name if it was the unsaved default). */
  const arrange = (change: (w: Workspace) => Workspace) =>
    update((p) => {
      const all = p.workspaces ?? [];
      const cur = all.find((w) => w.id === p.activeWorkspace) ?? all[0] ?? DEFAULT_WORKSPACE;
      const next = change(sanitize(cur));
      return { workspaces: all.some((w) => w.id === cur.id) ? all.map((w) => (w.id === cur.id ? next : w)) : [...all, next], activeWorkspace: cur.id };
    });

  /** The current arrangement under a new name, which becomes the active layout. */
  const saveAs = (name: string) =>
    update((p) => {
      const all = p.workspaces ?? [];
      const cur = all.find((w) => w.id === p.activeWorkspace) ?? all[0] ?? DEFAULT_WORKSPACE;
      const existing = all.find((w) => w.name === name.trim());
      const id = existing?.id ?? layoutId(name, all.map((w) => w.id));
      const saved = { ...sanitize(cur), id, name: name.trim() };
      return { workspaces: existing ? all.map((w) => (w.id === id ? saved : w)) : [...all, saved], activeWorkspace: id };
    });

  const choose = (id: string) => update(() => ({ activeWorkspace: id }));
  const remove = (id: string) =>
    update((p) => {
      const rest = (p.workspaces ?? []).filter((w) => w.id !== id);
      return { workspaces: rest, activeWorkspace: rest[0]?.id ?? DEFAULT_WORKSPACE.id };
    });
  /** Back to the built-in arrangement for the active layout. */
  const reset = () => arrange((w) => ({ ...DEFAULT_WORKSPACE, id: w.id, name: w.name }));

  return { prefs, update, signedIn, layouts, active, arrange, saveAs, choose, remove, reset };
}
export type WorkspaceStore = ReturnType<typeof createWorkspace>;
