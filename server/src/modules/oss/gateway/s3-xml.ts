import type { ServerResponse } from 'node:http';

// The few S3 XML bodies the gateway writes itself: errors and the bucket list.

const esc = (s: string) => s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

export const S3_STATUS: Record<string, number> = {
  AccessDenied: 403, SignatureDoesNotMatch: 403, InvalidAccessKeyId: 403, RequestTimeTooSkewed: 403, QuotaExceeded: 403,
  AuthorizationHeaderMalformed: 400, InvalidRequest: 400, InvalidArgument: 400, InvalidBucketName: 400, KeyTooLongError: 400, TooManyBuckets: 400,
  NoSuchBucket: 404, BucketAlreadyExists: 409, BucketNotEmpty: 409, MethodNotAllowed: 405, NotImplemented: 501,
  ServiceUnavailable: 503, InternalError: 500,
};

export class S3Error extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'S3Error';
  }
}

export function sendXml(res: ServerResponse, status: number, body: string, requestId: string): void {
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body), 'x-amz-request-id': requestId });
  res.end(body);
}

export function sendS3Error(res: ServerResponse, code: string, message: string, resource: string, requestId: string, head = false): void {
  const status = S3_STATUS[code] ?? 400;
  if (head) {
    res.writeHead(status, { 'x-amz-request-id': requestId });
    res.end();
    return;
  }
  sendXml(res, status, `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${esc(code)}</Code><Message>${esc(message)}</Message><Resource>${esc(resource)}</Resource><RequestId>${esc(requestId)}</RequestId></Error>`, requestId);
}

export function bucketListXml(owner: { id: string; name: string }, buckets: { name: string; createdAt: Date }[]): string {
  const items = buckets.map((b) => `<Bucket><Name>${esc(b.name)}</Name><CreationDate>${b.createdAt.toISOString()}</CreationDate></Bucket>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>${esc(owner.id)}</ID><DisplayName>${esc(owner.name)}</DisplayName></Owner><Buckets>${items}</Buckets></ListAllMyBucketsResult>`;
}
