import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { AppError } from '../errors.js';
import { logger } from '../logger.js';

// Requests Node's HTTP parser refuses never reach Express: headers over 16 KB, a control
// character in a header, a malformed chunk, a request that took too long to arrive. Node
// would answer them with a bare status line; here they get the one error shape like
// everything else, then the connection is closed (the parser cannot go on after an error).

function answerFor(err: NodeJS.ErrnoException): AppError {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new AppError('HEADERS_TOO_LARGE', 'The request headers (or its URL) are too large.');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new AppError('REQUEST_TIMEOUT', 'The request took too long to arrive.');
    default:
      return new AppError('VALIDATION_FAILED', 'The HTTP request is malformed and cannot be read.');
  }
}

export function answerClientErrors(server: Server): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
    // A connection reset by the client, or one whose answer has begun: nothing more to say
    // (the same test Node's own default handler makes).
    const answering = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || answering?.headersSent) {
      socket.destroy();
      return;
    }
    const appErr = answerFor(err);
    logger.debug({ err: { code: err.code, message: err.message } }, 'refused a malformed request');
    const body = JSON.stringify(appErr.toBody());
    socket.end(
      `HTTP/1.1 ${appErr.status} ${appErr.code}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
}
