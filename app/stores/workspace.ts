import { createEffect, createMemo, createSignal, on } from 'solid-js';
import { DEFAULT_PREFERENCES, Preferences, type Workspace } from '../../shared/account/schema';
import { DEFAULT_WORKSPACE, layoutId, sanitize } from '../workspace/layout';
import type { Session } from './session';

const LOCAL_KEY = 'edgetape.prefs';
/** The signed-in user's preferences as last seen, so an offline reload still shows their own workspace. */
const MIRROR_KEY = 'edgetape.prefs.account';
/** A browser nobody signed in to starts with the instrument the edge always serves. */
const LOCAL_DEFAULT: Preferences = { ...DEFAULT_PREFERENCES, watchlists: [{ id: 'main', name: 'Main', symbols: ['BTC-USDT'] }] };

function read(key: string): Preferences | null {
  try {
    const p = Preferences.safeParse(JSON.parse(localStorage.getItem(key) ?? 'null'));
    return p.success ? p.data : null;
  } catch {
    return null;
  }
}
function write(key: string, prefs: Preferences | null): void {
  try {
    if (prefs) localStorage.setItem(key, JSON.stringify(prefs));
    else localStorage.removeItem(key);
  } catch {
    // storage full or denied: it still applies for this visit
  }
}

/**
 * Watchlists and named workspace layouts, wherever they live: in the account (the edge pushes each change
 * to the user's other devices) when signed in, else in this browser's localStorage. Panels and the layout
 * bar only call `update`, which validates with the same schema the edge uses.
 */
export function createWorkspace(session: Session) {
  const [local, setLocal] = createSignal<Preferences>(read(LOCAL_KEY) ?? LOCAL_DEFAULT);
  const signedIn = () => !!session.user();
  createEffect(() => {
    const p = session.prefs();
    if (session.user() && p) write(MIRROR_KEY, p.prefs);
  });
  // Signing out forgets the copy; failing to reach the edge (offline) does not.
  createEffect(on(session.user, (u, was) => was && u === null && !session.unreachable() && write(MIRROR_KEY, null), { defer: true }));
  /** The edge unreachable, so nobody known to be signed in: the account's last seen preferences, read-only, if this browser has them. */
  const mirror = createMemo(() => (!signedIn() && session.unreachable() ? read(MIRROR_KEY) : null));
  const prefs = createMemo<Preferences>(() => (signedIn() ? session.prefs()?.prefs ?? DEFAULT_PREFERENCES : mirror() ?? local()));

  function update(edit: (p: Preferences) => Partial<Preferences>): Promise<void> {
    if (signedIn()) return session.update(edit);
    if (mirror()) return Promise.reject({ status: 503, detail: 'offline: your account’s layout can be changed when you are back online' });
    const next = Preferences.safeParse({ ...local(), ...edit(local()) });
    if (!next.success) return Promise.reject({ status: 400, detail: next.error.issues[0]?.message ?? 'invalid' });
    setLocal(next.data);
    write(LOCAL_KEY, next.data);
    return Promise.resolve();
  }

  const layouts = () => prefs().workspaces ?? [];
  /** The chosen layout, else the first saved, else the default; never shows a panel twice or one it does not know. */
  const activeOf = (p: Preferences): Workspace => {
    const all = p.workspaces ?? [];
    return sanitize(all.find((w) => w.id === p.activeWorkspace) ?? all[0] ?? DEFAULT_WORKSPACE);
  };
  const active = createMemo(() => activeOf(prefs()));

  /** Arranging edits the active layout in place (saving it under its name if it was the unsaved default). */
  const arrange = (change: (w: Workspace) => Workspace) =>
    update((p) => {
      const all = p.workspaces ?? [];
      const cur = activeOf(p);
      const next = change(cur);
      return { workspaces: all.some((w) => w.id === cur.id) ? all.map((w) => (w.id === cur.id ? next : w)) : [...all, next], activeWorkspace: cur.id };
    });

  /** The current arrangement under a new name, which becomes the active layout. */
  const saveAs = (name: string) =>
    update((p) => {
      const all = p.workspaces ?? [];
      const existing = all.find((w) => w.name === name.trim());
      const id = existing?.id ?? layoutId(name, all.map((w) => w.id));
      const saved = { ...activeOf(p), id, name: name.trim() };
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

  /** Whose preferences these are: the account's (live or, offline, as last seen) or this browser's. */
  const owner = (): 'account' | 'account-offline' | 'browser' => (signedIn() ? 'account' : mirror() ? 'account-offline' : 'browser');

  return { prefs, update, signedIn, owner, layouts, active, arrange, saveAs, choose, remove, reset };
}
export type WorkspaceStore = ReturnType<typeof createWorkspace>;
