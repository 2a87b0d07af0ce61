import { decodeBinary, encodeBinary, streamHash } from './binary';
import type { CodecName, ServerMsg } from './messages';
import { SUBPROTOCOLS } from './messages';
import { checkServerMsg, type Parsed } from './validate';

/** The subprotocol the edge answers: the first it supports among the client's offers, JSON when none is offered. */
export function negotiate(offered: string | null | undefined): { codec: CodecName; protocol: string | undefined } | undefined {
  const list = (offered ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (list.length === 0) return { codec: 'json', protocol: undefined };
  for (const p of list) {
    if (p === SUBPROTOCOLS.bin) return { codec: 'bin', protocol: p };
    if (p === SUBPROTOCOLS.json) return { codec: 'json', protocol: p };
  }
  return undefined;
}

export function encodeServerMsg(msg: ServerMsg, codec: CodecName): string | Uint8Array {
  return codec === 'bin' ? encodeBinary(msg) : JSON.stringify(msg);
}

/** The client side of a connection: knows its streams, so binary frames name them again. */
export class ClientDecoder {
  private readonly names = new Map<number, string>();

  add(stream: string): void {
    this.names.set(streamHash(stream), stream);
  }

  decode(data: string | ArrayBuffer | Uint8Array): Parsed<ServerMsg> {
    try {
      const v = typeof data === 'string' ? JSON.parse(data) : decodeBinary(data instanceof Uint8Array ? data : new Uint8Array(data), this.names);
      return checkServerMsg(v);
    } catch (err) {
      return { ok: false, code: 'bad_message', message: `unreadable frame: ${err instanceof Error ? err.message : String(err)}` };
    }
  }
}
