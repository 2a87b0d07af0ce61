import { encodeServerMsg } from '../../../shared/protocol/codec';
import type { CodecName, ServerMsg } from '../../../shared/protocol/messages';

const frames = new WeakMap<ServerMsg, Partial<Record<CodecName, string | Uint8Array>>>();

/**
 * A message's frame in one codec, encoded the first time any socket needs it and shared by every socket
 * after, for as long as the message itself is kept (a batch while it is sent, a snapshot while the relay holds it).
 */
export function frameOf(m: ServerMsg, codec: CodecName): string | Uint8Array {
  let f = frames.get(m);
  if (!f) frames.set(m, (f = {}));
  return (f[codec] ??= encodeServerMsg(m, codec));
}
