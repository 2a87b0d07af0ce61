import { describe, expect, it } from 'vitest';
import { DEFAULT_PREFERENCES, Preferences, PreferencesPatch, Workspace } from '../../shared/account/schema';
import { addPanel, DEFAULT_WORKSPACE, layoutId, movePanel, removePanel, resizePanel, resizeSplit, sanitize, stepPanel, tabOrder } from '../../app/workspace/layout';

describe('workspace layouts in preferences', () => {
  it('keeps preferences stored before workspaces existed valid, and accepts named layouts beside them', () => {
    const old = { watchlists: [{ id: 'main', name: 'Main', symbols: ['BTC-USDT'] }], layouts: [], defaultExchanges: ['binance'], timeZone: 'UTC', theme: 'dark' };
    expect(Preferences.safeParse(old).success).toBe(true);
    expect(Preferences.safeParse(DEFAULT_PREFERENCES).success).toBe(true);
    const withLayouts = { ...old, workspaces: [DEFAULT_WORKSPACE, { ...DEFAULT_WORKSPACE, id: 'scalp', name: 'Scalping' }], activeWorkspace: 'scalp' };
    expect(Preferences.parse(withLayouts).workspaces?.map((w) => w.name)).toEqual(['Default', 'Scalping']);
    expect(PreferencesPatch.safeParse({ base: 3, set: { workspaces: [DEFAULT_WORKSPACE], activeWorkspace: 'default' } }).success).toBe(true);
  });

  it('refuses a layout that repeats a panel, names an unknown one, has no column or an absurd size', () => {
    const col = DEFAULT_WORKSPACE.columns[0]!;
    const bad = [
      { ...DEFAULT_WORKSPACE, columns: [col, col] },
      { ...DEFAULT_WORKSPACE, columns: [{ width: 1, panels: [{ id: 'orderentry' }] }] },
      { ...DEFAULT_WORKSPACE, columns: [] },
      { ...DEFAULT_WORKSPACE, columns: [{ width: 1, panels: [{ id: 'chart', height: 1e9 }] }] },
      { ...DEFAULT_WORKSPACE, columns: [{ width: -1, panels: [] }] },
      { ...DEFAULT_WORKSPACE, id: 'no spaces' },
    ];
    for (const w of bad) expect(Workspace.safeParse(w).success, JSON.stringify(w).slice(0, 120)).toBe(false);
  });
});

describe('arranging a layout', () => {
  const w = DEFAULT_WORKSPACE;
  it('moves a panel within and across columns, clamped, without touching the input', () => {
    const before = JSON.stringify(w);
    expect(tabOrder(movePanel(w, 'tape', 0, 0)).slice(0, 2)).toEqual(['tape', 'watchlist']);
    expect(movePanel(w, 'watchlist', 2, 99).columns[2]!.panels.map((p) => p.id)).toEqual(['ladder', 'cross', 'tape', 'watchlist']);
    expect(movePanel(w, 'watchlist', -5, -5).columns[0]!.panels[0]!.id).toBe('watchlist');
    expect(stepPanel(w, 'venues', 'up').columns[0]!.panels.map((p) => p.id).slice(0, 2)).toEqual(['venues', 'watchlist']);
    expect(stepPanel(w, 'chart', 'right').columns[2]!.panels.map((p) => p.id)).toEqual(['ladder', 'chart', 'cross', 'tape']);
    expect(stepPanel(w, 'watchlist', 'left')).toEqual(w);
    expect(JSON.stringify(w)).toBe(before);
    // every panel exactly once after any sequence of moves
    let x = w;
    for (const [id, c, i] of [['chart', 0, 1], ['alerts', 2, 0], ['quote', 1, 5], ['ladder', 0, 0]] as const) x = movePanel(x, id, c, i);
    expect(tabOrder(x).sort()).toEqual(tabOrder(w).sort());
    expect(Workspace.safeParse(x).success).toBe(true);
  });

  it('resizes panels and column splits within bounds, keeping the columns’ total width', () => {
    expect(resizePanel(w, 'ladder', 10).columns[2]!.panels[0]!.height).toBe(80);
    expect(resizePanel(w, 'ladder', 333.4).columns[2]!.panels[0]!.height).toBe(333);
    const split = resizeSplit(w, 0, 0.01);
    const [a, b] = [split.columns[0]!.width, split.columns[1]!.width];
    expect(a + b).toBeCloseTo(w.columns[0]!.width + w.columns[1]!.width, 1);
    expect(a / (a + b)).toBeCloseTo(1 / 6, 2);
    expect(resizeSplit(w, 2, 0.5)).toBe(w);
  });

  it('hides and shows panels, drops unknown or repeated ones from stored layouts, and names new layouts uniquely', () => {
    const hidden = removePanel(w, 'forecast');
    expect(tabOrder(hidden)).not.toContain('forecast');
    expect(addPanel(hidden, 'forecast').columns[0]!.panels.at(-1)!.id).toBe('forecast');
    const stored = { ...w, columns: [{ width: 1, panels: [{ id: 'chart' }, { id: 'gone' }, { id: 'chart' }] }] } as unknown as Workspace;
    expect(tabOrder(sanitize(stored))).toEqual(['chart']);
    expect(layoutId('My Scalping!', [])).toBe('my-scalping');
    expect(layoutId('My Scalping', ['my-scalping', 'my-scalping-2'])).toBe('my-scalping-3');
    expect(layoutId('***', [])).toBe('layout');
  });
});
