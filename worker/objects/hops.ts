/**
 * Wall-clock marks (Date.now(), ms) one batch collects on its way feed → hub → relay, for the edge
 * fan-out benchmark. workerd only moves its clocks at I/O boundaries, so synchronous work never shows
 * between two marks taken in the same event: each mark is taken after an I/O boundary, and a hop's
 * figure is everything (its own CPU, queueing, the RPC, the output gate) up to the next object's entry.
 */
export interface HopTrace {
  /** The feed read the batch's first frame. */
  recv: number;
  /** The feed called hub.ingest. */
  feedSend: number;
  /** hub.ingest began (after the RPC). */
  hubIn?: number;
  /** The hub's storage transaction returned. */
  hubCommit?: number;
  /** The hub called relay.publish with this batch (after any earlier call to the same relay returned). */
  hubSend?: number;
  /** relay.publish began. */
  relayIn?: number;
  /** relay.publish had handed the batch to every socket. */
  relaySent?: number;
}

export interface HopSample extends HopTrace { stream: string; seq: number }

/** Samples a relay keeps until the benchmark takes them; later ones are not recorded. */
const MAX_SAMPLES = 50_000;

/** The traces a relay delivered since they were last taken, by stream and sequence number, so a client's receive time can be joined to them. */
export class HopLog {
  private samples: HopSample[] = [];

  add(stream: string, seq: number, trace: HopTrace): void {
    if (this.samples.length < MAX_SAMPLES) this.samples.push({ ...trace, stream, seq });
  }

  take(): HopSample[] {
    const out = this.samples;
    this.samples = [];
    return out;
  }
}
