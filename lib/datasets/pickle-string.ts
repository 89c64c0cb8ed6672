// LiveCodeBench stores private tests as base64(zlib(pickle.dumps(json_text))). Unpickling is code
// execution, so this is not an unpickler: it reads the few opcodes Python emits when pickling ONE str
// (protocols 2-5) and refuses everything else, so a crafted blob can at worst be rejected.
import { inflateSync } from 'node:zlib';

const PROTO = 0x80;
const FRAME = 0x95;
const SHORT_BINUNICODE = 0x8c;
const BINUNICODE = 0x58; // 'X'
const BINUNICODE8 = 0x8d;
const MEMOIZE = 0x94;
const BINPUT = 0x71; // 'q'
const LONG_BINPUT = 0x72; // 'r'
const STOP = 0x2e; // '.'

export class PickleStringError extends Error {
  override readonly name = 'PickleStringError';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The str a pickle holds, when the pickle is exactly one str; throws PickleStringError otherwise. */
export function readPickledString(buf: Uint8Array): string {
  let pos = 0;
  let value: string | undefined;
  const need = (n: number, what: string) => {
    if (pos + n > buf.length) throw new PickleStringError(`truncated pickle: ${what} at byte ${pos} needs ${n} bytes`);
  };
  const u32 = () => { need(4, 'a length'); const v = buf[pos] | (buf[pos + 1] << 8) | (buf[pos + 2] << 16); const n = v + buf[pos + 3] * 2 ** 24; pos += 4; return n; };
  const u64 = () => {
    need(8, 'a length');
    const lo = u32();
    const hi = u32();
    if (hi >= 2 ** 21) throw new PickleStringError('pickle length too large');
    return hi * 2 ** 32 + lo;
  };
  const push = (n: number) => {
    if (value !== undefined) throw new PickleStringError(`pickle pushes a second value at byte ${pos - 1}: only a single str is accepted`);
    need(n, 'string data');
    try {
      value = utf8.decode(buf.subarray(pos, pos + n));
    } catch {
      throw new PickleStringError(`pickle string at byte ${pos} is not valid UTF-8`);
    }
    pos += n;
  };
  while (pos < buf.length) {
    const op = buf[pos++];
    switch (op) {
      case PROTO: need(1, 'PROTO'); if (buf[pos] < 2 || buf[pos] > 5) throw new PickleStringError(`unsupported pickle protocol ${buf[pos]}`); pos += 1; break;
      case FRAME: u64(); break; // frame length: framing only, the opcodes inside are read as usual
      case SHORT_BINUNICODE: need(1, 'SHORT_BINUNICODE'); push(buf[pos++]); break;
      case BINUNICODE: push(u32()); break;
      case BINUNICODE8: push(u64()); break;
      case MEMOIZE: break;
      case BINPUT: need(1, 'BINPUT'); pos += 1; break;
      case LONG_BINPUT: need(4, 'LONG_BINPUT'); pos += 4; break;
      case STOP:
        if (value === undefined) throw new PickleStringError('pickle holds no str');
        if (pos !== buf.length) throw new PickleStringError(`${buf.length - pos} bytes after the pickle's STOP`);
        return value;
      default:
        throw new PickleStringError(`pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${pos - 1} is not allowed (only a single str is accepted)`);
    }
  }
  throw new PickleStringError('pickle ends without STOP');
}

/** LiveCodeBench's private_test_cases blob -> the JSON text it wraps. */
export function decodeLcbBlob(blob: string): string {
  const text = blob.trim();
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new PickleStringError('not base64');
  let raw: Buffer;
  try {
    raw = inflateSync(Buffer.from(text, 'base64'));
  } catch (e) {
    throw new PickleStringError(`not zlib data (${(e as Error).message})`);
  }
  return readPickledString(raw);
}
