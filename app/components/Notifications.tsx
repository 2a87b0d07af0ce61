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
        🔔 <span data-testid="bell-count">{a.unacked()}</span>
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
