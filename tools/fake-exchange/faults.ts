export const FAULT_KINDS = ['drop', 'corrupt-checksum', 'reorder', 'duplicate', 'stall', 'disconnect', 'slow', 'drop-trade'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface Fault {
  kind: FaultKind;
  /** Frames affected (drop, corrupt-checksum, duplicate, slow, drop-trade). */
  count?: number;
  /** Duration (stall) or spacing between frames (slow). */
  ms?: number;
}

const MAX_COUNT = 100_000;
const MAX_MS = 600_000;
const DEFAULTS: Record<FaultKind, { count: number; ms: number }> = {
  drop: { count: 1, ms: 0 },
  'corrupt-checksum': { count: 1, ms: 0 },
  reorder: { count: 1, ms: 0 },
  duplicate: { count: 1, ms: 0 },
  stall: { count: 0, ms: 5_000 },
  disconnect: { count: 0, ms: 0 },
  slow: { count: 20, ms: 500 },
  'drop-trade': { count: 1, ms: 0 },
};

/** A fault request from `POST /__fake/fault`, checked; a string says what is wrong with it. */
export function parseFault(body: unknown): Required<Fault> | string {
  if (typeof body !== 'object' || body === null) return 'body must be a JSON object like {"kind":"drop","count":1}';
  const { kind, count, ms } = body as Record<string, unknown>;
  if (!FAULT_KINDS.includes(kind as FaultKind)) return `kind must be one of ${FAULT_KINDS.join(', ')}`;
  const d = DEFAULTS[kind as FaultKind];
  if (count !== undefined && !(Number.isInteger(count) && (count as number) > 0 && (count as number) <= MAX_COUNT)) return `count must be an integer in 1..${MAX_COUNT}`;
  if (ms !== undefined && !(Number.isInteger(ms) && (ms as number) > 0 && (ms as number) <= MAX_MS)) return `ms must be an integer in 1..${MAX_MS}`;
  return { kind: kind as FaultKind, count: (count as number | undefined) ?? d.count, ms: (ms as number | undefined) ?? d.ms };
}

/**
 * Faults waiting to be applied to the replay, and what was injected and applied so far. The server
 * asks `take(kind)` at each frame; a fault applies to the next frames that some client receives.
 */
export class FaultBook {
  private readonly pending = { drop: 0, 'corrupt-checksum': 0, reorder: 0, duplicate: 0, slow: 0, 'drop-trade': 0 };
  slowMs = 0;
  stallUntil = 0;
  private readonly applied: Record<FaultKind, number> = { drop: 0, 'corrupt-checksum': 0, reorder: 0, duplicate: 0, stall: 0, disconnect: 0, slow: 0, 'drop-trade': 0 };
  private readonly injected: (Required<Fault> & { at: number })[] = [];

  add(f: Required<Fault>, now: number): void {
    this.injected.push({ ...f, at: now });
    if (this.injected.length > 1000) this.injected.shift();
    switch (f.kind) {
      case 'stall':
        this.stallUntil = Math.max(this.stallUntil, now) + f.ms;
        this.applied.stall++;
        return;
      case 'disconnect':
        this.applied.disconnect++;
        return;
      case 'slow':
        this.slowMs = f.ms;
        this.pending.slow += f.count;
        return;
      default:
        this.pending[f.kind] += f.count;
    }
  }

  /** Whether a pending fault of this kind applies to the frame at hand (and counts it applied). */
  take(kind: keyof FaultBook['pending']): boolean {
    if (this.pending[kind] === 0) return false;
    this.pending[kind]--;
    this.applied[kind]++;
    return true;
  }

  has(kind: keyof FaultBook['pending']): boolean {
    return this.pending[kind] > 0;
  }

  report(now: number) {
    return {
      pending: { ...this.pending, stallMs: Math.max(0, this.stallUntil - now) },
      applied: { ...this.applied },
      injected: this.injected.slice(),
    };
  }
}
