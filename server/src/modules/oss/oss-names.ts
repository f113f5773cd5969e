// S3's naming rules, checked before anything reaches the S3 server. Pure functions: the zod
// schemas, the S3 gateway and the tests share them.

/** Why a bucket name is refused, or null when S3 would accept it. */
export function bucketNameProblem(name: string): string | null {
  if (name.length < 3 || name.length > 63) return 'must be 3-63 characters';
  if (!/^[a-z0-9.-]+$/.test(name)) return 'only lowercase letters, digits, "." and "-"';
  if (!/^[a-z0-9]/.test(name) || !/[a-z0-9]$/.test(name)) return 'must begin and end with a letter or digit';
  if (name.includes('..') || name.includes('.-') || name.includes('-.')) return 'no ".." and no "-" next to "."';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'must not look like an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return 'must not begin with xn--, sthree- or amzn-s3-demo-';
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return 'must not end with a suffix S3 reserves';
  return null;
}

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
export const MAX_KEY_BYTES = 1024;
// TextEncoder, not Buffer: the SPA's typecheck reads this file through oss.schemas.ts.
const utf8 = new TextEncoder();

/**
 * Why an object key is refused, or null. S3 takes almost any UTF-8 up to 1024 bytes; the
 * platform also refuses what makes folder views and downloaded file names ambiguous or
 * dangerous: control characters, a leading "/", empty, "." or ".." segments. `folder`: the
 * key of a folder marker, which ends in "/".
 */
export function objectKeyProblem(key: string, folder = false): string | null {
  if (key.length === 0) return 'must not be empty';
  if (utf8.encode(key).length > MAX_KEY_BYTES) return `must be at most ${MAX_KEY_BYTES} bytes in UTF-8`;
  if (CONTROL.test(key)) return 'must not contain control characters';
  if (key.startsWith('/')) return 'must not begin with "/"';
  if (key.endsWith('/') !== folder) return folder ? 'a folder ends with "/"' : 'must not end with "/" (that is a folder)';
  const segments = (folder ? key.slice(0, -1) : key).split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'no empty, "." or ".." path segments';
  return null;
}

/** A listing prefix: empty, or a key-like string (a folder prefix ends with "/"). */
export function prefixProblem(prefix: string): string | null {
  if (prefix === '') return null;
  return objectKeyProblem(prefix, prefix.endsWith('/'));
}

/** The file name a download gets: the key's last segment. */
export const baseName = (key: string) => key.replace(/\/$/, '').split('/').pop() ?? key;
