import { createSignal, onCleanup } from 'solid-js';
import type { Preferences, Profile, SessionInfo, Suggestion, TrackedView, UserServerMsg } from '../../shared/account/schema';

export interface Problem { status: number; detail: string }
const CSRF_COOKIE = '__Host-csrf';
const csrf = (): string => document.cookie.split('; ').find((c) => c.startsWith(`${CSRF_COOKIE}=`))?.slice(CSRF_COOKIE.length + 1) ?? '';

/**
 * The signed-in user as the app sees them. Tokens live in HttpOnly cookies the app never reads; it sends
 * the CSRF cookie back in a header, refreshes once on a 401, and keeps the user channel open so a change
 * made on another device arrives here live.
 */
export function createSession() {
  const [user, setUser] = createSignal<Profile | null | undefined>(undefined);
  const [prefs, setPrefs] = createSignal<{ version: number; prefs: Preferences } | null>(null);
  const [live, setLive] = createSignal(false);
  /** The edge could not be reached to ask who is signed in: `user` is null, but nobody said they signed out. */
  const [unreachable, setUnreachable] = createSignal(false);
  let socket: WebSocket | undefined;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  // Bumped on every sign-in and sign-out, so an answer to a request sent before it cannot undo it.
  let epoch = 0;
  let writes: Promise<unknown> = Promise.resolve();

  async function call<T>(method: string, path: string, body?: unknown, again = true): Promise<T> {
    const sent = epoch;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (method !== 'GET') headers['x-csrf-token'] = csrf();
    const res = await fetch(`/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' });
    if (res.status === 401 && again && !/^\/auth\/(signin|signup|refresh)/.test(path)) {
      const r = await fetch('/api/v1/auth/refresh', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': csrf() }, body: '{}' });
      if (r.ok) return call(method, path, body, false);
      if (sent === epoch) setUser(null);
    }
    if (!res.ok) {
      const p = (await res.json().catch(() => ({}))) as Partial<Problem>;
      throw { status: res.status, detail: p.detail ?? res.statusText } satisfies Problem;
    }
    return (res.status === 204 ? undefined : await res.json()) as T;
  }

  async function connect(): Promise<void> {
    if (closed || !user()) return;
    try {
      const { ticket } = await call<{ ticket: string }>('POST', '/ws-ticket');
      const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws/user?ticket=${encodeURIComponent(ticket)}`);
      socket = ws;
      ws.onopen = () => setLive(true);
      ws.onmessage = (e) => {
        const msg = JSON.parse(e.data as string) as UserServerMsg;
        if (msg.t === 'prefs' && msg.version >= (prefs()?.version ?? 0)) setPrefs({ version: msg.version, prefs: msg.prefs });
        if (msg.t === 'signed-out') setUser(null);
      };
      ws.onclose = () => {
        setLive(false);
        if (socket === ws && user()) retry = setTimeout(() => void connect(), 2000);
      };
    } catch {
      retry = setTimeout(() => void connect(), 5000);
    }
  }

  function disconnect(): void {
    clearTimeout(retry);
    const s = socket;
    socket = undefined;
    s?.close(1000, 'signed out');
  }

  async function signedIn(p: Profile): Promise<void> {
    epoch++;
    setUser(p);
    setPrefs(await call('GET', '/users/me/preferences'));
    void connect();
  }

  const load = async () => {
    const sent = epoch;
    try {
      const me = await call<Profile>('GET', '/users/me');
      setUnreachable(false);
      if (sent === epoch) await signedIn(me);
    } catch (err) {
      if (sent !== epoch) return;
      // No answer at all (offline) is not the same as "not signed in" (an answer saying so).
      setUnreachable(!(typeof err === 'object' && err !== null && 'status' in err));
      setUser(null);
    }
  };
  void load();
  // Started offline, the user is not known yet: ask again when the network is back.
  const online = () => user() === null && void load();
  addEventListener('online', online);
  onCleanup(() => {
    closed = true;
    removeEventListener('online', online);
    disconnect();
  });

  return {
    user, prefs, live, unreachable, call,
    async signIn(email: string, password: string) {
      await signedIn((await call<{ user: Profile }>('POST', '/auth/signin', { email, password })).user);
    },
    async signUp(email: string, password: string, name: string) {
      await signedIn((await call<{ user: Profile }>('POST', '/auth/signup', { email, password, name })).user);
    },
    async signOut(everywhere = false) {
      await call('POST', '/auth/signout', { everywhere });
      epoch++;
      disconnect();
      setUser(null);
      setPrefs(null);
    },
    /**
     * Replaces sections of the preferences; the edge pushes the result to this user's other sessions.
     * Writes from this device go one at a time and are computed from the latest version when they run,
     * so quick successive edits never drop one another; a conflict with another device is retried once on
     * the newer version (the sections are replaced whole, so re-applying the edit is what the user meant).
     */
    update(edit: (p: Preferences) => Partial<Preferences>): Promise<void> {
      const run = async (retry: boolean): Promise<void> => {
        const cur = prefs() ?? (await call<{ version: number; prefs: Preferences }>('GET', '/users/me/preferences'));
        try {
          setPrefs(await call<{ version: number; prefs: Preferences }>('PATCH', '/users/me/preferences', { base: cur.version, set: edit(cur.prefs) }));
        } catch (err) {
          if ((err as Problem).status !== 409 || !retry) throw err;
          setPrefs(await call('GET', '/users/me/preferences'));
          await run(false);
        }
      };
      const next = writes.then(() => run(true));
      writes = next.catch(() => undefined);
      return next;
    },
    sessions: () => call<SessionInfo[]>('GET', '/users/me/sessions'),
    tracked: () => call<TrackedView[]>('GET', '/users/me/tracked'),
    clearTracked: () => call<{ cleared: number }>('DELETE', '/users/me/tracked'),
    suggestions: () => call<Suggestion[]>('GET', '/users/me/suggestions'),
    viewed: (symbol: string) => call<void>('POST', '/users/me/views', { symbol }),
    async submitKyc(legalName: string, country: string, documentRef: string) {
      setUser(await call<Profile>('POST', '/users/me/kyc', { legalName, country, documentRef }));
    },
  };
}
export type Session = ReturnType<typeof createSession>;
