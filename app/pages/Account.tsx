import { createResource, createSignal, For, Show } from 'solid-js';
import type { Session } from '../stores/session';

/** The user's own page: who they are, KYC, where they are signed in, and what the edge tracks about them. */
export function Account(props: { session: Session }) {
  const s = props.session;
  const [sessions, { refetch: reloadSessions }] = createResource(s.sessions);
  const [tracked, { refetch: reloadTracked }] = createResource(s.tracked);
  const [suggestions, { refetch: reloadSuggestions }] = createResource(s.suggestions);
  const [kycError, setKycError] = createSignal('');
  const submitKyc = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    try {
      await s.submitKyc(String(f.get('legalName')), String(f.get('country')).toUpperCase(), String(f.get('documentRef')));
    } catch (err) {
      setKycError((err as { detail?: string }).detail ?? 'could not submit');
    }
  };
  const clear = async () => {
    await s.clearTracked();
    void reloadTracked();
    void reloadSuggestions();
  };
  return (
    <Show when={s.user()}>
      {(u) => (
        <section class="panel account" data-testid="account">
          <h2>{u().name}</h2>
          <p class="muted">{u().email ?? 'no email'} · {u().provider === 'oidc' ? 'single sign-on' : 'password'} · roles: {u().roles.join(', ')}</p>

          <h3>Verification (KYC)</h3>
          <p data-testid="kyc-status" data-status={u().kyc.status}>
            Status: <strong>{u().kyc.status}</strong>
            <Show when={u().kyc.reason}>{(r) => <> — {r()}</>}</Show>
            {' '}· tier {u().limits.tier}: up to {u().limits.alerts} alerts, {u().limits.apiPerMinute} API calls/min
          </p>
          <Show when={u().kyc.status === 'unverified' || u().kyc.status === 'rejected'}>
            <form onSubmit={submitKyc} class="row">
              <input name="legalName" placeholder="Legal name" required maxLength={120} />
              <input name="country" placeholder="Country (ISO, e.g. DE)" required pattern="[A-Za-z]{2}" maxLength={2} />
              <input name="documentRef" placeholder="Document reference" required maxLength={120} />
              <button type="submit">Submit for review</button>
            </form>
            <Show when={kycError()}><p class="error" role="alert">{kycError()}</p></Show>
          </Show>

          <h3>Sessions</h3>
          <ul data-testid="sessions">
            <For each={sessions()}>
              {(x) => <li>{x.current ? 'This device' : x.userAgent.slice(0, 60) || 'unknown client'} · {x.ip} · last used {new Date(x.lastUsedAt).toLocaleString()}</li>}
            </For>
          </ul>
          <div class="row">
            <button onClick={() => void reloadSessions()}>Refresh</button>
            <button onClick={() => void s.signOut(false)}>Sign out</button>
            <button onClick={() => void s.signOut(true)} data-testid="signout-everywhere">Sign out everywhere</button>
          </div>

          <h3>What we track</h3>
          <p class="muted">Recently viewed instruments, kept only in your account and used only for the suggestions below.</p>
          <ul data-testid="tracked"><For each={tracked()}>{(t) => <li>{t.symbol} · {new Date(t.at).toLocaleString()}</li>}</For></ul>
          <p>Suggested for your watchlist: <For each={suggestions()}>{(x) => <span class="chip">{x.symbol}</span>}</For></p>
          <button onClick={() => void clear()} data-testid="clear-tracked">Clear tracked data</button>
        </section>
      )}
    </Show>
  );
}
