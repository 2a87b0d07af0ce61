import { createSignal, For, Show } from 'solid-js';
import { PANEL_IDS, type PanelId } from '../../shared/account/schema';
import type { WorkspaceStore } from '../stores/workspace';
import { addPanel, DEFAULT_WORKSPACE, tabOrder } from './layout';
import { PANELS, type PanelContext } from './panels';

/** Named layouts: pick one, save the current arrangement under a name, put back a hidden panel, reset. */
export function LayoutBar(props: { store: WorkspaceStore; ctx: PanelContext }) {
  const s = props.store;
  const [name, setName] = createSignal('');
  const [error, setError] = createSignal('');
  const [saved, setSaved] = createSignal('');
  const hidden = () => {
    const on = new Set(tabOrder(s.active()));
    return PANEL_IDS.filter((id) => !on.has(id));
  };
  const run = (p: Promise<void>, done?: string) =>
    void p.then(() => {
      setError('');
      setSaved(done ?? '');
    }, (e: { detail?: string }) => setError(e.detail ?? 'not saved'));
  const saveAs = (e: SubmitEvent) => {
    e.preventDefault();
    const n = name().trim();
    if (!n) return setError('name the layout');
    setName('');
    run(s.saveAs(n), `saved “${n}”${s.signedIn() ? ' to your account' : ' in this browser'}`);
  };
  return (
    <div class="layout-bar" role="toolbar" aria-label="Workspace layout">
      <label>
        Layout{' '}
        <select data-testid="layout-select" onChange={(e) => run(s.choose(e.currentTarget.value))}>
          <Show when={!s.layouts().length}><option value={DEFAULT_WORKSPACE.id}>{DEFAULT_WORKSPACE.name}</option></Show>
          <For each={s.layouts()}>{(w) => <option value={w.id} selected={w.id === s.active().id}>{w.name}</option>}</For>
        </select>
      </label>
      <form class="row" onSubmit={saveAs}>
        <input aria-label="Save the arrangement as" placeholder="New layout…" maxLength={60} value={name()} onInput={(e) => setName(e.currentTarget.value)} data-testid="layout-name" />
        <button type="submit" data-testid="layout-save">Save as</button>
      </form>
      <Show when={hidden().length}>
        <label>
          Show panel{' '}
          <select data-testid="panel-add" value="" onChange={(e) => {
            const id = e.currentTarget.value as PanelId;
            e.currentTarget.value = '';
            if (id) run(s.arrange((w) => addPanel(w, id)));
          }}>
            <option value="">—</option>
            <For each={hidden()}>{(id) => <option value={id}>{PANELS[id].title(props.ctx)}</option>}</For>
          </select>
        </label>
      </Show>
      <button type="button" onClick={() => run(s.reset())}>Reset arrangement</button>
      <Show when={s.layouts().length > 1}>
        <button type="button" onClick={() => run(s.remove(s.active().id))}>Delete “{s.active().name}”</button>
      </Show>
      <span class="sub" role="status" data-testid="layout-status">{error() || saved()}</span>
    </div>
  );
}
