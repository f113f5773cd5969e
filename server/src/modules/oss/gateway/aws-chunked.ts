import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { ALGORITHM, EMPTY_SHA256, hmacHex, scopeOf, SigV4Error, type Credential } from './sigv4.js';

// Decodes an aws-chunked body, as SDKs send streams: "<hex size>[;chunk-signature=<sig>]\r\n
// <data>\r\n" ... a zero-size chunk, then optional trailers and "\r\n". With
// STREAMING-AWS4-HMAC-SHA256-PAYLOAD every chunk's signature is chained from the request's and
// checked before its bytes go on; STREAMING-UNSIGNED-PAYLOAD-TRAILER chunks are unsigned (the
// request signature still covers the headers). The output is the object's plain bytes.

export interface ChunkSigning { key: Buffer; amzDate: string; credential: Credential; seedSignature: string }

const MAX_HEADER = 4096;

export class AwsChunkedDecoder extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private remaining = -1; // bytes of chunk data still to read; -1: reading a chunk header
  private chunkSig = '';
  private chunkHash = createHash('sha256');
  private prevSig: string;
  private done = false;
  decodedBytes = 0;

  constructor(private readonly signing: ChunkSigning | null) {
    super();
    this.prevSig = signing?.seedSignature ?? '';
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.drain();
      cb();
    } catch (e) {
      cb(e as Error);
    }
  }

  override _flush(cb: TransformCallback): void {
    cb(this.done ? null : new SigV4Error('InvalidRequest', 'The aws-chunked body ended before its final chunk.'));
  }

  private drain(): void {
    for (;;) {
      if (this.done) return; // trailers after the final chunk are not forwarded
      if (this.remaining < 0) {
        const eol = this.buf.indexOf('\r\n');
        if (eol < 0) {
          if (this.buf.length > MAX_HEADER) throw new SigV4Error('InvalidRequest', 'An aws-chunked chunk header is too long.');
          return;
        }
        const line = this.buf.subarray(0, eol).toString('latin1');
        this.buf = this.buf.subarray(eol + 2);
        const m = /^([0-9a-fA-F]{1,16})(?:;chunk-signature=([0-9a-f]{64}))?$/.exec(line);
        if (!m) throw new SigV4Error('InvalidRequest', 'An aws-chunked chunk header is malformed.');
        if (this.signing && !m[2]) throw new SigV4Error('SignatureDoesNotMatch', 'A signed aws-chunked body has a chunk without a signature.');
        this.remaining = Number.parseInt(m[1]!, 16);
        this.chunkSig = m[2] ?? '';
        this.chunkHash = createHash('sha256');
        if (this.remaining === 0) {
          this.check(EMPTY_SHA256);
          this.done = true;
          return;
        }
      }
      if (this.remaining > 0) {
        if (!this.buf.length) return;
        const take = this.buf.subarray(0, Math.min(this.remaining, this.buf.length));
        this.buf = this.buf.subarray(take.length);
        this.remaining -= take.length;
        this.chunkHash.update(take);
        if (!this.signing) this.emitData(take);
        else this.pending.push(take); // signed: held until the chunk's signature checks out
        if (this.remaining > 0) return;
      }
      if (this.buf.length < 2) return;
      if (this.buf[0] !== 0x0d || this.buf[1] !== 0x0a) throw new SigV4Error('InvalidRequest', 'An aws-chunked chunk does not end with CRLF.');
      this.buf = this.buf.subarray(2);
      this.check(this.chunkHash.digest('hex'));
      for (const p of this.pending.splice(0)) this.emitData(p);
      this.remaining = -1;
    }
  }

  private pending: Buffer[] = [];

  private emitData(b: Buffer): void {
    this.decodedBytes += b.length;
    this.push(b);
  }

  private check(dataHash: string): void {
    if (!this.signing) return;
    const s = this.signing;
    const toSign = [`${ALGORITHM}-PAYLOAD`, s.amzDate, scopeOf(s.credential), this.prevSig, EMPTY_SHA256, dataHash].join('\n');
    if (hmacHex(s.key, toSign) !== this.chunkSig) throw new SigV4Error('SignatureDoesNotMatch', 'An aws-chunked chunk signature does not match.');
    this.prevSig = this.chunkSig;
  }
}
