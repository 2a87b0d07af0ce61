import { createResource, createSignal, Show } from 'solid-js';
import type { Session } from '../stores/session';

/** Sign-in and sign-up on one form; the provider button appears when the edge has one configured. */
export function SignIn(props: { session: Session; mode: 'signin' | 'signup'; done: () => void }) {
  const [error, setError] = createSignal('');
  const [busy, setBusy] = createSignal(false);
  const [providers] = createResource(async () => (await (await fetch('/api/v1/auth/providers')).json()) as { oidc: { name: string; start: string } | null });
  const submit = async (e: SubmitEvent) => {
    e.preventDefault();
    const f = new FormData(e.currentTarget as HTMLFormElement);
    const [email, password, name] = [String(f.get('email')), String(f.get('password')), String(f.get('name') ?? '')];
    setBusy(true);
    setError('');
    try {
      if (props.mode === 'signup') await props.session.signUp(email, password, name);
      else await props.session.signIn(email, password);
      props.done();
    } catch (err) {
      setError((err as { detail?: string }).detail ?? 'something went wrong');
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="panel auth" aria-labelledby="auth-title">
      <h2 id="auth-title">{props.mode === 'signup' ? 'Create an account' : 'Sign in'}</h2>
      <form onSubmit={submit} data-testid="auth-form">
        <Show when={props.mode === 'signup'}>
          <label>Name <input name="name" autocomplete="name" required maxLength={80} /></label>
        </Show>
        <label>Email <input name="email" type="email" autocomplete="email" required /></label>
        <label>
          Password <input name="password" type="password" required minLength={12} maxLength={128} autocomplete={props.mode === 'signup' ? 'new-password' : 'current-password'} />
        </label>
        <Show when={props.mode === 'signup'}><p class="hint">At least 12 characters; a passphrase of a few words is best. Common or breached passwords are refused.</p></Show>
        <Show when={error()}><p class="error" role="alert" data-testid="auth-error">{error()}</p></Show>
        <button type="submit" disabled={busy()}>{props.mode === 'signup' ? 'Sign up' : 'Sign in'}</button>
      </form>
      <Show when={providers()?.oidc}>{(p) => <a class="button oidc" href={p().start} data-testid="oidc-button">Continue with {p().name}</a>}</Show>
      <p>{props.mode === 'signup' ? <a href="#/signin">I have an account</a> : <a href="#/signup">Create an account</a>}</p>
    </section>
  );
}
