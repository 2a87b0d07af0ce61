import { createSignal, For, Show } from 'solid-js';
import { clock } from '../format';
import { describeFiring, type Alerts } from '../stores/alerts';

/**
 * The notification centre (a bell with the count of unacknowledged firings, opening the list) and the
 * toasts of new firings. Both acknowledge through the alerts store, so every device sees the same state.
 */
export function Notifications(props: { alerts: Alerts }) {
  const a = props.alerts;
  const [open, setOpen] = createSignal(false);
  const pending = () => a.history().filter((h) => h.ackedAt === null);
  return (
    <>
      <button type="button" class="touch bell" aria-expanded={open()} aria-label={`notifications: ${a.unacked()} unacknowledged`} data-testid="bell" onClick={() => setOpen(!open())}>
        <svg width="16" height="16" viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 22a2.5 2.5 0 0 0 2.45-2h-4.9A2.5 2.5 0 0 0 12 22Zm7-6V11a7 7 0 0 0-5.5-6.84V3a1.5 1.5 0 0 0-3 0v1.16A7 7 0 0 0 5 11v5l-2 2v1h18v-1Z" /></svg>{' '}
        <span data-testid="bell-count">{a.unacked()}</span>
      </button>
      <Show when={open()}>
        <section class="notification-centre panel" data-testid="notification-centre" aria-label="notification centre">
          <h2>Notifications</h2>
          <ul>
            <For each={pending()} fallback={<li class="muted">All caught up.</li>}>
              {(h) => (
                <li data-testid="notification" data-key={`${h.firing.alertId}:${h.firing.n}`}>
                  <span>{clock(h.receivedAt)} <strong>{h.firing.symbol === '*' ? 'Portfolio' : h.firing.symbol}</strong> {describeFiring(h.firing)}</span>
                  <button type="button" class="touch" onClick={() => void a.ack(h.firing)}>Acknowledge</button>
                </li>
              )}
            </For>
          </ul>
          <a href="#/alerts" class="button touch" onClick={() => setOpen(false)}>All alerts and history</a>
        </section>
      </Show>
      <div class="toasts" role="status" aria-live="polite">
        <For each={a.toasts()}>
          {(t) => (
            <div class="toast" data-testid="toast">
              <span><strong>{t.firing.symbol === '*' ? 'Portfolio' : t.firing.symbol}</strong> {describeFiring(t.firing)}</span>
              <button type="button" class="touch" onClick={() => void a.ack(t.firing)}>OK</button>
            </div>
          )}
        </For>
      </div>
    </>
  );
}
