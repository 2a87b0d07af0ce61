import { createEffect, createSignal, For, Index, onCleanup, Show } from 'solid-js';
import { PANEL_IDS, type PanelId, type Workspace } from '../../shared/account/schema';
import { chartSettled } from '../components/CandleChart';
import { StateBadge } from '../components/ConnectionBadge';
import { locate, movePanel, removePanel, resizePanel, resizeSplit, stepPanel, tabOrder } from './layout';
import { PANELS, type PanelContext } from './panels';

/** Tablets (coarse pointer up to 1366 px) and anything narrower than a tablet get tabs instead of columns. */
export const TABS_QUERY = '(pointer: coarse) and (max-width: 1366px), (max-width: 767px)';
/** A horizontal swipe must travel this far, and mostly sideways, to change tab. */
const SWIPE_PX = 60;

function createMedia(query: string) {
  const mq = matchMedia(query);
  const [matches, setMatches] = createSignal(mq.matches);
  const on = () => setMatches(mq.matches);
  mq.addEventListener('change', on);
  onCleanup(() => mq.removeEventListener('change', on));
  return matches;
}

/** Follows one pointer from `down` until it is released: pointer capture, so it works the same for mouse, pen and touch. */
function follow(e: PointerEvent, move: (e: PointerEvent) => void, done: (ok: boolean) => void): void {
  const el = e.currentTarget as HTMLElement;
  e.preventDefault();
  el.setPointerCapture(e.pointerId);
  const up = (ev: PointerEvent) => {
    el.removeEventListener('pointermove', move);
    el.removeEventListener('pointerup', up);
    el.removeEventListener('pointercancel', up);
    done(ev.type === 'pointerup');
  };
  el.addEventListener('pointermove', move);
  el.addEventListener('pointerup', up);
  el.addEventListener('pointercancel', up);
}

/**
 * The workspace: the active layout's columns of panels on a desktop, swipeable tabs in the same order on a
 * tablet. Every panel is built once and only moved between containers, so rearranging or turning a tablet
 * never reloads a chart. Gestures preview locally and are saved once, when the pointer is released.
 */
export function WorkspaceView(props: { ctx: PanelContext }) {
  const store = props.ctx.workspace;
  const [draft, setDraft] = createSignal<Workspace | null>(null);
  const shown = () => draft() ?? store.active();
  const tabs = createMedia(TABS_QUERY);
  const [tab, setTab] = createSignal<PanelId | null>(null);
  const order = () => tabOrder(shown());
  const current = () => (order().includes(tab()!) ? tab()! : order()[0]);
  const [dropAt, setDropAt] = createSignal<{ col: number; index: number; x: number; y: number; width: number } | null>(null);
  const [dragging, setDragging] = createSignal<PanelId | null>(null);
  const colEls: HTMLElement[] = [];
  let tabHost: HTMLDivElement | undefined;

  /** Saves a change of the stored layout; the preview stays until the store has the result. */
  const [problem, setProblem] = createSignal('');
  let commits = 0;
  const commit = (preview: Workspace, change: (w: Workspace) => Workspace) => {
    const n = ++commits;
    setDraft(preview);
    store.arrange(change).then(
      () => setProblem(''),
      (e: { detail?: string }) => setProblem(`layout not saved: ${e.detail ?? String(e)}`),
    ).finally(() => n === commits && setDraft(null));
  };
  const title = (id: PanelId) => PANELS[id].title(props.ctx);

  const startMove = (id: PanelId, e: PointerEvent) => {
    setDragging(id);
    follow(e, (ev) => setDropAt(dropTarget(id, ev.clientX, ev.clientY)), (ok) => {
      const to = dropAt();
      setDropAt(null);
      setDragging(null);
      if (ok && to) commit(movePanel(shown(), id, to.col, to.index), (w) => movePanel(w, id, to.col, to.index));
    });
  };
  /** The column under the pointer (or the nearest), and the slot among its other panels above which it would land. */
  const dropTarget = (id: PanelId, x: number, y: number) => {
    const rects = colEls.slice(0, shown().columns.length).map((c) => c.getBoundingClientRect());
    if (!rects.length) return null;
    let col = rects.findIndex((r) => x >= r.left && x < r.right);
    if (col < 0) col = x < rects[0]!.left ? 0 : rects.length - 1;
    const others = [...colEls[col]!.children].filter((n) => (n as HTMLElement).dataset.panel !== id) as HTMLElement[];
    const index = others.filter((n) => {
      const r = n.getBoundingClientRect();
      return r.top + r.height / 2 < y;
    }).length;
    const r = rects[col]!;
    const edge = index < others.length ? others[index]!.getBoundingClientRect().top - 4 : (others.at(-1)?.getBoundingClientRect().bottom ?? r.top) + 4;
    return { col, index, x: r.left, y: edge, width: r.width };
  };
  const keyMove = (id: PanelId, e: KeyboardEvent) => {
    const dir = ({ ArrowUp: 'up', ArrowDown: 'down', ArrowLeft: 'left', ArrowRight: 'right' } as const)[e.key as 'ArrowUp'];
    if (!dir) return;
    e.preventDefault();
    commit(stepPanel(shown(), id, dir), (w) => stepPanel(w, id, dir));
    queueMicrotask(() => grip(id)?.focus());
  };
  const startResize = (id: PanelId, e: PointerEvent) => {
    const node = nodes.get(id)!;
    const [y0, h0] = [e.clientY, node.getBoundingClientRect().height];
    const base = shown();
    let h = h0;
    follow(e, (ev) => setDraft(resizePanel(base, id, (h = h0 + ev.clientY - y0))), (ok) => {
      if (ok) commit(resizePanel(base, id, h), (w) => resizePanel(w, id, h));
      else setDraft(null);
    });
  };
  const keyResize = (id: PanelId, e: KeyboardEvent) => {
    const step = e.key === 'ArrowDown' ? 40 : e.key === 'ArrowUp' ? -40 : 0;
    if (!step) return;
    e.preventDefault();
    const h = nodes.get(id)!.getBoundingClientRect().height + step;
    commit(resizePanel(shown(), id, h), (w) => resizePanel(w, id, h));
  };
  const startSplit = (left: number, e: PointerEvent) => {
    const base = shown();
    let share = 0.5;
    follow(e, (ev) => {
      const [a, b] = [colEls[left]!.getBoundingClientRect(), colEls[left + 1]!.getBoundingClientRect()];
      share = (ev.clientX - a.left) / (b.right - a.left);
      setDraft(resizeSplit(base, left, share));
    }, (ok) => {
      if (ok) commit(resizeSplit(base, left, share), (w) => resizeSplit(w, left, share));
      else setDraft(null);
    });
  };
  const keySplit = (left: number, e: KeyboardEvent) => {
    const step = e.key === 'ArrowRight' ? 0.05 : e.key === 'ArrowLeft' ? -0.05 : 0;
    if (!step) return;
    e.preventDefault();
    const w = shown();
    const share = w.columns[left]!.width / (w.columns[left]!.width + w.columns[left + 1]!.width) + step;
    commit(resizeSplit(w, left, share), (x) => resizeSplit(x, left, share));
  };

  const slot = (id: PanelId) => {
    const at = locate(shown(), id);
    return at && shown().columns[at.col]!.panels[at.index];
  };
  // The chart is built first and the other panels once it has drawn (a reload's first frame with candles waits for
  // nothing else); without a chart in the layout, or one that takes long, they do not wait for it. Panels above the
  // chart in its column are built with it: their height places the chart, which must not move after its first frame.
  const [late, setLate] = createSignal(false);
  const lateTimer = setTimeout(() => setLate(true), 1_500);
  onCleanup(() => clearTimeout(lateTimer));
  const early = (id: PanelId) => {
    if (id === 'chart' || late() || chartSettled()) return true;
    const [chart, at] = [locate(shown(), 'chart'), locate(shown(), id)];
    return !chart || (!tabs() && !!at && at.col === chart.col && at.index < chart.index);
  };
  const nodes = new Map<PanelId, HTMLElement>();
  const grip = (id: PanelId) => nodes.get(id)?.querySelector<HTMLElement>('.ws-grip');
  for (const id of PANEL_IDS) {
    const def = PANELS[id];
    const height = () => (tabs() ? undefined : slot(id)?.height);
    nodes.set(id, (
      <section
        class="ws-panel"
        classList={{ sized: height() !== undefined, dragging: dragging() === id }}
        style={{ height: height() !== undefined ? `${height()}px` : undefined }}
        data-testid={`panel-${id}`}
        data-panel={id}
        data-height={height() ?? ''}
        aria-labelledby={`panel-title-${id}`}
      >
        <header class="ws-head">
          <Show when={!tabs()}>
            <button type="button" class="ws-grip icon" aria-label={`Move ${title(id)} (arrow keys, or drag)`} data-testid="panel-grip"
              onPointerDown={(e) => startMove(id, e)} onKeyDown={(e) => keyMove(id, e)}>⠿</button>
          </Show>
          <h2 id={`panel-title-${id}`}>{title(id)}</h2>
          <Show when={def.state}>{(state) => <StateBadge state={state()(props.ctx)} venues={def.venues?.(props.ctx)} label={title(id)} />}</Show>
          <Show when={!tabs()}>
            <button type="button" class="icon ws-close" aria-label={`Hide ${title(id)}`} onClick={() => commit(removePanel(shown(), id), (w) => removePanel(w, id))}>×</button>
          </Show>
        </header>
        <div class="ws-body"><Show when={early(id)}>{def.body(props.ctx)}</Show></div>
        <Show when={!tabs()}>
          <div class="ws-resize" role="separator" aria-orientation="horizontal" aria-label={`Height of ${title(id)}`} tabindex="0"
            aria-valuenow={Math.round(height() ?? 0)} aria-valuemin="80" aria-valuemax="2000"
            data-testid="panel-resize" onPointerDown={(e) => startResize(id, e)} onKeyDown={(e) => keyResize(id, e)} />
        </Show>
      </section>
    ) as HTMLElement);
  }

  /** Puts each panel node where the layout says, touching only nodes out of place (a moved node loses focus). */
  const place = (host: HTMLElement, ids: PanelId[]) => {
    ids.forEach((id, i) => {
      const node = nodes.get(id)!;
      if (host.children[i] !== node) host.insertBefore(node, host.children[i] ?? null);
    });
  };
  createEffect(() => {
    const w = shown();
    const placed = new Set(tabOrder(w));
    if (tabs()) {
      if (tabHost) place(tabHost, order());
      for (const id of order()) nodes.get(id)!.classList.toggle('ws-hidden', id !== current());
    } else {
      w.columns.forEach((c, i) => colEls[i] && place(colEls[i], c.panels.map((p) => p.id)));
      for (const id of placed) nodes.get(id)!.classList.remove('ws-hidden');
    }
    for (const [id, node] of nodes) if (!placed.has(id)) node.remove();
  });

  // Touch events, not pointer events: once the browser starts scrolling it cancels the pointer, but a touch still ends.
  let swipe: { x: number; y: number } | null = null;
  const onSwipeStart = (e: TouchEvent) => {
    const t = e.touches[0]!;
    // The chart pans and pinches itself; a swipe that starts on it (or with two fingers) is the chart's.
    swipe = e.touches.length > 1 || (e.target as HTMLElement).closest('.chart-host, input, select') ? null : { x: t.clientX, y: t.clientY };
  };
  const onSwipeEnd = (e: TouchEvent) => {
    const t = e.changedTouches[0];
    if (!swipe || !t || e.touches.length) return;
    const [dx, dy] = [t.clientX - swipe.x, t.clientY - swipe.y];
    swipe = null;
    if (Math.abs(dx) < SWIPE_PX || Math.abs(dx) < 1.5 * Math.abs(dy)) return;
    const i = order().indexOf(current()!) + (dx < 0 ? 1 : -1);
    if (i >= 0 && i < order().length) setTab(order()[i]!);
  };
  const onTabKey = (e: KeyboardEvent) => {
    const i = order().indexOf(current()!);
    const j = e.key === 'ArrowRight' ? i + 1 : e.key === 'ArrowLeft' ? i - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? order().length - 1 : -1;
    if (j < 0 || j >= order().length) return;
    e.preventDefault();
    setTab(order()[j]!);
    document.getElementById(`tab-${order()[j]}`)?.focus();
  };

  return (
    <div class="workspace" data-testid="workspace" data-mode={tabs() ? 'tabs' : 'columns'} data-layout={shown().id}>
      <Show
        when={tabs()}
        fallback={
          <div class="ws-columns" style={{ 'grid-template-columns': shown().columns.map((c) => `minmax(0, ${c.width}fr)`).join(' 10px ') }}>
            <Index each={shown().columns}>
              {(c, i) => (
                <>
                  <Show when={i > 0}>
                    <div class="ws-split" role="separator" aria-orientation="vertical" tabindex="0" aria-label={`Width of column ${i} against column ${i + 1}`}
                      aria-valuenow={Math.round((shown().columns[i - 1]!.width / (shown().columns[i - 1]!.width + c().width)) * 100)} aria-valuemin="17" aria-valuemax="83"
                      data-testid="column-split" onPointerDown={(e) => startSplit(i - 1, e)} onKeyDown={(e) => keySplit(i - 1, e)} />
                  </Show>
                  <div class="ws-col" ref={(el) => (colEls[i] = el)} data-testid="ws-column" data-col={i} data-width={c().width} />
                </>
              )}
            </Index>
          </div>
        }
      >
        <div class="ws-tabs" role="tablist" aria-label="Panels">
          <For each={order()}>
            {(id) => (
              <button type="button" role="tab" id={`tab-${id}`} data-testid={`tab-${id}`} aria-selected={current() === id} aria-controls="ws-tabpanel"
                tabindex={current() === id ? 0 : -1} onClick={() => setTab(id)} onKeyDown={onTabKey}>
                {PANELS[id].tab}
              </button>
            )}
          </For>
        </div>
        <div id="ws-tabpanel" class="ws-tabhost" role="tabpanel" aria-labelledby={`tab-${current()}`} ref={tabHost}
          onTouchStart={onSwipeStart} onTouchEnd={onSwipeEnd} />
      </Show>
      <Show when={problem()}><p class="error" role="alert" data-testid="workspace-error">{problem()}</p></Show>
      <Show when={dropAt()}>{(d) => <div class="ws-drop" style={{ left: `${d().x}px`, top: `${d().y}px`, width: `${d().width}px` }} />}</Show>
    </div>
  );
}
