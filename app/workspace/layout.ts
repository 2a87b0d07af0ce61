import { PANEL_IDS, type PanelId, type Workspace } from '../../shared/account/schema';

/** What a new user (or a signed-out browser with nothing saved) sees: markets left, chart centre, book right. */
export const DEFAULT_WORKSPACE: Workspace = {
  id: 'default',
  name: 'Default',
  columns: [
    { width: 1.3, panels: [{ id: 'watchlist' }, { id: 'venues' }, { id: 'portfolio' }, { id: 'alerts' }] },
    { width: 2.3, panels: [{ id: 'quote' }, { id: 'chart', height: 560 }, { id: 'forecast' }] },
    { width: 1.4, panels: [{ id: 'ladder' }, { id: 'cross' }, { id: 'tape' }] },
  ],
};

/** Panels in reading order, column by column: the order of the tablet's tabs. */
export const tabOrder = (w: Workspace): PanelId[] => w.columns.flatMap((c) => c.panels.map((p) => p.id));

/** Where a panel is, or undefined. */
export function locate(w: Workspace, id: PanelId): { col: number; index: number } | undefined {
  for (let col = 0; col < w.columns.length; col++) {
    const index = w.columns[col]!.panels.findIndex((p) => p.id === id);
    if (index >= 0) return { col, index };
  }
  return undefined;
}

/**
 * The panel moved to column `col` at position `index` (counted in the column without the panel), both
 * clamped; a new layout object, the input is left alone.
 */
export function movePanel(w: Workspace, id: PanelId, col: number, index: number): Workspace {
  const from = locate(w, id);
  if (!from) return w;
  const slot = w.columns[from.col]!.panels[from.index]!;
  const columns = w.columns.map((c) => ({ ...c, panels: c.panels.filter((p) => p.id !== id) }));
  const to = Math.max(0, Math.min(col, columns.length - 1));
  const target = columns[to]!.panels;
  target.splice(Math.max(0, Math.min(index, target.length)), 0, slot);
  return { ...w, columns };
}

/** One keyboard step: up/down within the column, left/right to the same position in the next column. */
export function stepPanel(w: Workspace, id: PanelId, dir: 'up' | 'down' | 'left' | 'right'): Workspace {
  const at = locate(w, id);
  if (!at) return w;
  if (dir === 'up') return movePanel(w, id, at.col, at.index - 1);
  if (dir === 'down') return movePanel(w, id, at.col, at.index + 1);
  return movePanel(w, id, at.col + (dir === 'left' ? -1 : 1), at.index);
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

/** A panel's height set by its resize handle (CSS px, within the schema's bounds). */
export function resizePanel(w: Workspace, id: PanelId, height: number): Workspace {
  const h = Math.round(clamp(height, 80, 2000));
  return { ...w, columns: w.columns.map((c) => ({ ...c, panels: c.panels.map((p) => (p.id === id ? { ...p, height: h } : p)) })) };
}

/**
 * The split between columns `left` and `left + 1` moved: their widths keep their sum, and neither gets
 * less than a sixth of it, so a column can never be dragged out of existence.
 */
export function resizeSplit(w: Workspace, left: number, leftShare: number): Workspace {
  const a = w.columns[left];
  const b = w.columns[left + 1];
  if (!a || !b) return w;
  const sum = a.width + b.width;
  const share = clamp(leftShare, 1 / 6, 5 / 6);
  const round = (v: number) => Math.round(v * 100) / 100;
  const widths = [round(sum * share), round(sum * (1 - share))];
  return { ...w, columns: w.columns.map((c, i) => (i === left ? { ...c, width: widths[0]! } : i === left + 1 ? { ...c, width: widths[1]! } : c)) };
}

/** A stored layout made safe to render: unknown or repeated panels dropped (a newer app may have written it). */
export function sanitize(w: Workspace): Workspace {
  const seen = new Set<string>();
  const known = new Set<string>(PANEL_IDS);
  return {
    ...w,
    columns: w.columns.map((c) => ({ ...c, panels: c.panels.filter((p) => known.has(p.id) && !seen.has(p.id) && seen.add(p.id)) })),
  };
}

/** An id for a new named layout, unique among `taken`. */
export function layoutId(name: string, taken: readonly string[]): string {
  const base = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-|-$/g, '').slice(0, 30) || 'layout';
  let id = base;
  for (let n = 2; taken.includes(id); n++) id = `${base}-${n}`;
  return id;
}

/** The panel taken off the layout (it can be added back from the layout bar). */
export function removePanel(w: Workspace, id: PanelId): Workspace {
  return { ...w, columns: w.columns.map((c) => ({ ...c, panels: c.panels.filter((p) => p.id !== id) })) };
}

/** A panel not on the layout, added at the bottom of the first column. */
export function addPanel(w: Workspace, id: PanelId): Workspace {
  if (locate(w, id)) return w;
  return { ...w, columns: w.columns.map((c, i) => (i === 0 ? { ...c, panels: [...c.panels, { id }] } : c)) };
}
