import { z } from 'zod';
import { VENUES } from '../market/types';
import { CANONICAL_SYMBOL } from '../market/symbols';

/**
 * What crosses the API edge about accounts, as zod schemas shared by the Worker (validation) and the app
 * (types). Free text is bounded but otherwise verbatim: it is stored with bound parameters, never spliced into SQL.
 */
export const Symbol = z.string().regex(CANONICAL_SYMBOL, 'a canonical symbol such as BTC-USDT');
const Text = (max: number) => z.string().trim().min(1).max(max);
const Id = z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, _ and - only');

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

export const Watchlist = z.strictObject({ id: Id, name: Text(60), symbols: z.array(Symbol).max(200) });
export const Indicator = z.strictObject({
  kind: Text(32),
  params: z.record(z.string().max(32), z.number().finite()).refine((p) => Object.keys(p).length <= 16, 'at most 16 parameters'),
});
export const ChartLayout = z.strictObject({
  id: Id,
  name: Text(60),
  symbol: Symbol,
  interval: z.enum(['1s', '1m', '5m', '15m', '1h', '4h', '1d']),
  indicators: z.array(Indicator).max(20),
});

/** Every panel the workspace can show; a stored layout names panels only from this list. */
export const PANEL_IDS = ['watchlist', 'quote', 'chart', 'ladder', 'tape', 'cross', 'venues', 'forecast', 'portfolio', 'alerts'] as const;
export type PanelId = (typeof PANEL_IDS)[number];
/** One panel in a column; `height` in CSS px when the user resized it, else the panel's natural height. */
export const PanelSlot = z.strictObject({ id: z.enum(PANEL_IDS), height: z.number().int().min(80).max(2000).optional() });
/** A column of panels; `width` is its share of the row (CSS fr). */
export const WorkspaceColumn = z.strictObject({ width: z.number().min(0.2).max(10), panels: z.array(PanelSlot).max(PANEL_IDS.length) });
/**
 * A named arrangement of the workspace: columns left to right, panels top to bottom. On a tablet the same
 * order, column by column, is the order of the tabs. Each panel appears at most once.
 */
export const Workspace = z.strictObject({ id: Id, name: Text(60), columns: z.array(WorkspaceColumn).min(1).max(4) })
  .refine((w) => {
    const ids = w.columns.flatMap((c) => c.panels.map((p) => p.id));
    return new Set(ids).size === ids.length;
  }, 'each panel at most once');
export type Workspace = z.infer<typeof Workspace>;

export const Preferences = z.strictObject({
  watchlists: z.array(Watchlist).max(20),
  layouts: z.array(ChartLayout).max(20),
  /** Named workspace layouts; absent in preferences stored before workspaces existed (read as none). */
  workspaces: z.array(Workspace).max(20).optional(),
  /** The workspace last chosen, by id. */
  activeWorkspace: Id.optional(),
  defaultExchanges: z.array(z.enum(VENUES)).max(VENUES.length),
  timeZone: z.string().max(64).refine(isTimeZone, 'an IANA time zone such as Europe/Berlin'),
  theme: z.enum(['dark', 'light', 'system']),
  // Added after the first release: optional, so preferences stored before them stay valid (absent = default).
  /** What the app asks the edge for on a thin link (shared/protocol BANDWIDTH). */
  bandwidth: z.enum(['full', 'reduced', 'minimal']).optional(),
  /** Up/down colours: green/red, or blue/orange for colour-blind traders. */
  upDown: z.enum(['green-red', 'blue-orange']).optional(),
});
export type Preferences = z.infer<typeof Preferences>;
/** A change sends only the sections it replaces, with the version it was based on (optimistic concurrency). */
export const PreferencesPatch = z.strictObject({ base: z.number().int().nonnegative().optional(), set: Preferences.partial() });
export type PreferencesPatch = z.infer<typeof PreferencesPatch>;

export const DEFAULT_PREFERENCES: Preferences = {
  watchlists: [{ id: 'main', name: 'Main', symbols: [] }],
  layouts: [],
  defaultExchanges: ['binance'],
  timeZone: 'UTC',
  theme: 'dark',
};

/**
 * NIST SP 800-63B §5.1.1.2: at least 8 characters (we take 12 as this is the only factor), at most 64+
 * allowed (we take 128), any printable Unicode including spaces, no composition rules, no hints, checked
 * against a list of known-compromised values (done on the server, worker/auth/common-passwords.ts).
 */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;
export const Password = z.string().refine((p) => [...p.normalize('NFKC')].length >= PASSWORD_MIN, `at least ${PASSWORD_MIN} characters`)
  .refine((p) => [...p.normalize('NFKC')].length <= PASSWORD_MAX, `at most ${PASSWORD_MAX} characters`);

export const Email = z.email().max(254).transform((e) => e.toLowerCase());
export const SignUp = z.strictObject({ email: Email, password: Password, name: Text(80), client: z.enum(['app', 'api']).default('app') });
export const SignIn = z.strictObject({ email: Email, password: z.string().min(1).max(PASSWORD_MAX * 4), client: z.enum(['app', 'api']).default('app') });
export const RefreshBody = z.strictObject({ refreshToken: z.string().max(200).optional() });

export const KycSubmission = z.strictObject({ legalName: Text(120), country: z.string().regex(/^[A-Z]{2}$/), documentRef: Text(120) });
export const KycDecision = z.discriminatedUnion('decision', [
  z.strictObject({ decision: z.literal('verified') }),
  z.strictObject({ decision: z.literal('rejected'), reason: Text(500) }),
]);
export const RolesBody = z.strictObject({ roles: z.array(z.enum(['trader', 'admin'])).min(1).max(2) });
export const ViewBody = z.strictObject({ symbol: Symbol });

export type Role = 'trader' | 'admin';
export type KycStatus = 'unverified' | 'submitted' | 'verified' | 'rejected';

/** What the KYC tier allows; the edge enforces the API rate, the alert engine the alert count. */
export interface Limits { tier: number; alerts: number; apiPerMinute: number }
export const limitsFor = (kyc: KycStatus): Limits =>
  kyc === 'verified' ? { tier: 1, alerts: 100, apiPerMinute: 600 } : { tier: 0, alerts: 5, apiPerMinute: 120 };

export interface Profile {
  id: string;
  email: string | null;
  name: string;
  roles: Role[];
  kyc: { status: KycStatus; reason: string | null; legalName: string | null; country: string | null; updatedAt: number };
  limits: Limits;
  createdAt: number;
  provider: 'password' | 'oidc';
}

export interface SessionInfo { id: string; createdAt: number; lastUsedAt: number; userAgent: string; ip: string; current: boolean }
export type TrackedView = { symbol: string; at: number };
export interface Suggestion { symbol: string; score: number; views: number }

/** Frames on the user channel (/ws/user): preferences pushed to every open session of the user. */
export type UserServerMsg =
  | { t: 'prefs'; version: number; prefs: Preferences; origin: string | null }
  | { t: 'signed-out' }
  | { t: 'pong'; ts: number }
  | { t: 'error'; code: 'bad_message' | 'rate_limited' | 'too_large'; message: string };
export const UserClientMsg = z.discriminatedUnion('t', [
  z.strictObject({ t: z.literal('ping'), ts: z.number().finite() }),
  z.strictObject({ t: z.literal('view'), symbol: Symbol }),
]);
