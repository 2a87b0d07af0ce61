import type { SnapshotMsg, StreamMsg } from '../../../shared/protocol/messages';

/**
 * Updates a relay keeps after a stream's snapshot for the sockets that subscribe later; past this the
 * next subscriber brings a fresh snapshot from the hub (one call, shared by everyone subscribing meanwhile).
 */
export const TAIL_MAX = 64;

/** The first update a message belongs to: a gap marks the hole before update `from`. */
const firstSeq = (m: StreamMsg): number => (m.t === 'gap' ? m.from : m.t === 'snapshot' ? m.seq : (m.from ?? m.seq));

/**
 * One upstream stream as this relay holds it: the sockets on it (the publish loop's index), its latest
 * snapshot and every update since, so a new subscriber gets the same already-encoded frames as the others
 * instead of its own hub call and its own encoding. Memory only; a woken relay starts without snapshots.
 */
export class Tail {
  readonly sockets = new Set<WebSocket>();
  /** A hub call bringing a snapshot; updates that arrive meanwhile wait in `early`. */
  loading: Promise<unknown> | undefined;
  private snap: SnapshotMsg | undefined;
  private after: StreamMsg[] = [];
  private last = 0;
  private early: StreamMsg[] = [];
  /** More arrived during a load than `early` keeps: the snapshot it brings cannot be held with its updates. */
  private overflow = false;

  /**
   * What a socket needs from here: the snapshot and every update since, or (holding `resume`) the updates
   * after it. Undefined when this relay cannot tell (no snapshot, or a resume from before it).
   */
  held(resume?: number): StreamMsg[] | undefined {
    if (!this.snap) return undefined;
    if (resume === undefined) return [this.snap, ...this.after];
    if (resume < this.snap.seq || resume > this.last) return undefined;
    return this.after.filter((m) => firstSeq(m) > resume);
  }

  /** An update from the hub, in stream order. A hole, or more than TAIL_MAX since the snapshot, drops what is held. */
  push(m: StreamMsg): void {
    if (this.loading) {
      if (this.early.length < TAIL_MAX) this.early.push(m);
      else this.overflow = true;
      return;
    }
    if (!this.snap) return;
    if (m.t === 'snapshot') {
      [this.snap, this.after, this.last] = [m, [], m.seq];
      return;
    }
    const follows = m.t === 'gap' ? m.upstream !== undefined && m.from === this.last + 1 : firstSeq(m) === this.last + 1;
    if (!follows || this.after.length >= TAIL_MAX) {
      this.drop();
      return;
    }
    this.after.push(m);
    if (m.t !== 'gap') this.last = m.seq;
  }

  /** A snapshot from the hub, and the updates after it that arrived while it was on its way. */
  seed(s: SnapshotMsg): void {
    const [early, overflow] = [this.early, this.overflow];
    this.drop();
    if (overflow) return;
    [this.snap, this.last] = [s, s.seq];
    for (const m of early) if (firstSeq(m) > s.seq) this.push(m);
  }

  /** Holds nothing until the next snapshot (a failed load ends here too). */
  drop(): void {
    [this.snap, this.after, this.early, this.overflow, this.loading] = [undefined, [], [], false, undefined];
  }
}
