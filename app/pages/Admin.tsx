import { createResource, createSignal, For, Show } from 'solid-js';
import type { Session } from '../stores/session';

interface QueueItem { userId: string; submittedAt: number; data: string }
type Chain = { ok: true; entries: number; head: string } | { ok: false; entries: number; brokenAt: number; reason: string };

/** Admins: decide KYC submissions (every decision lands in the audit trail) and check the trail's hash chain. */
export function Admin(props: { session: Session }) {
  const call = props.session.call;
  const [queue, { refetch }] = createResource(() => call<QueueItem[]>('GET', '/admin/kyc'));
  const [chain, setChain] = createSignal<Chain | null>(null);
  const [error, setError] = createSignal('');
  const decide = async (userId: string, decision: 'verified' | 'rejected') => {
    const reason = decision === 'rejected' ? prompt('Reason for rejection (shown to the user)')?.trim() : undefined;
    if (decision === 'rejected' && !reason) return;
    try {
      await call('POST', `/admin/kyc/${userId}`, decision === 'rejected' ? { decision, reason } : { decision });
      void refetch();
    } catch (err) {
      setError((err as { detail?: string }).detail ?? 'failed');
    }
  };
  return (
    <section class="panel admin" data-testid="admin">
      <h2>KYC queue</h2>
      <Show when={!queue.error} fallback={<p class="error">Admins only.</p>}>
        <ul>
          <For each={queue()} fallback={<li class="muted">Nothing waiting.</li>}>
            {(q) => (
              <li class="row">
                <code>{q.userId}</code> submitted {new Date(q.submittedAt).toLocaleString()}
                <button onClick={() => void decide(q.userId, 'verified')}>Verify</button>
                <button onClick={() => void decide(q.userId, 'rejected')}>Reject…</button>
              </li>
            )}
          </For>
        </ul>
      </Show>
      <Show when={error()}><p class="error" role="alert">{error()}</p></Show>
      <h2>Audit trail</h2>
      <button onClick={async () => setChain(await call<Chain>('GET', '/admin/audit/verify'))} data-testid="verify-audit">Verify hash chain</button>
      <Show when={chain()}>
        {(c) => {
          const r = c();
          return r.ok
            ? <p data-testid="audit-result" data-ok="true">Intact: {r.entries} entries, head {r.head.slice(0, 16)}…</p>
            : <p data-testid="audit-result" data-ok="false" class="error">Broken at entry {r.brokenAt}: {r.reason}</p>;
        }}
      </Show>
    </section>
  );
}
