import type { RecordedFrame } from './recording';

/** One client socket as a venue plug-in sees it. */
export interface Session<S> {
  readonly url: URL;
  state: S;
  send(text: string): void;
  close(code: number, reason: string): void;
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/**
 * What a venue adds to the generic replay server: which socket paths it serves, how it answers
 * client messages and REST calls, and which replayed frames each session receives.
 */
export interface VenuePlugin<S = unknown> {
  readonly venue: string;
  /** Per-connection state for a socket at this URL, or undefined to refuse it with 404. */
  accept(url: URL): S | undefined;
  onMessage(session: Session<S>, text: string): void;
  /** Sees every replayed frame once, in order, before delivery (e.g. to keep the REST book current). */
  observe(rec: RecordedFrame): void;
  /** The bytes this session gets for the frame, or undefined when it is not subscribed to it. */
  frameFor(session: Session<S>, rec: RecordedFrame): string | undefined;
  http(url: URL): HttpAnswer | undefined;
  /** Order-book frames, the ones drop / reorder / duplicate faults act on (every frame when absent). */
  isBookFrame?(rec: RecordedFrame): boolean;
  /** Trade frames, the ones drop-trade acts on; venues without this hook refuse drop-trade. */
  isTradeFrame?(rec: RecordedFrame): boolean;
  /** The frame as sent with its checksum made wrong, or undefined when this frame carries none. Venues without checksums leave it out. */
  corruptChecksum?(frame: string): string | undefined;
  /** Back to the recording's start (when looping). */
  reset(): void;
}
