import net from 'node:net';

// Requests written byte for byte on a socket, so a test can send what fetch refuses to:
// duplicated headers, malformed encodings, bodies that disagree with their headers, raw
// WebSocket upgrades. One connection per request (Connection: close); the answer is read
// to the end and parsed minimally (status, headers, Content-Length or chunked body).

export interface RawRequest {
  method: string;
  /** Sent as is: already percent-encoded (or deliberately not). */
  target: string;
  headers: Array<[string, string]>;
  body?: Buffer | string;
  /** Leave out Content-Length (the caller sends its own, or none). */
  noContentLength?: boolean;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string[]>;
  body: string;
}

function parse(buf: Buffer): RawResponse {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no complete answer: ${JSON.stringify(buf.toString('latin1').slice(0, 200))}`);
  const [statusLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  const headers: Record<string, string[]> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    (headers[line.slice(0, i).trim().toLowerCase()] ??= []).push(line.slice(i + 1).trim());
  }
  let body = buf.subarray(end + 4);
  if (headers['transfer-encoding']?.[0]?.includes('chunked')) {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', at);
      const size = parseInt(body.subarray(at, lineEnd).toString(), 16);
      if (!size) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length']) {
    body = body.subarray(0, Number(headers['content-length'][0]));
  }
  return { status, headers, body: body.toString('utf8') };
}

export function rawRequest(port: number, req: RawRequest, timeoutMs = 10_000): Promise<RawResponse> {
  const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
  const head = [`${req.method} ${req.target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [k, v] of req.headers) head.push(`${k}: ${v}`);
  if (body && !req.noContentLength) head.push(`Content-Length: ${body.length}`);
  const bytes = Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body ?? Buffer.alloc(0)]);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    // write, not end: a half-closed connection is dropped by the server before it answers.
    const socket = net.connect(port, '127.0.0.1', () => socket.write(bytes));
    const timer = setTimeout(() => { socket.destroy(); reject(new Error(`no answer within ${timeoutMs} ms`)); }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    // The server may answer and close before it has read everything we sent (413, 431).
    socket.on('error', (e: NodeJS.ErrnoException) => { if (e.code !== 'EPIPE' && e.code !== 'ECONNRESET') { clearTimeout(timer); reject(e); } });
    socket.on('close', () => {
      clearTimeout(timer);
      try { resolve(parse(Buffer.concat(chunks))); } catch (e) { reject(e); }
    });
  });
}
