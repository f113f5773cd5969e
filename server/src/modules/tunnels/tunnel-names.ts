// What a user may call an HTTP tunnel and which ports they may ask for: pure rules, checked
// at every door (the API, the SSH gateway, frps's plugin) so all three agree.

/** One DNS label: lower-case ASCII letters, digits and inner hyphens, 1-40 characters. */
export const TUNNEL_NAME = /^[a-z](?:[a-z0-9-]{0,38}[a-z0-9])?$/;

/** Names users may not take: they would look like the platform's own. */
const RESERVED = new Set(['www', 'api', 'admin', 'app', 'apps', 'mail', 'smtp', 'ftp', 'ssh', 'tunnel', 'tunnels', 'gateway', 'static', 'cdn', 'status', 'login', 'auth', 'cloud', 'campus', 'localhost']);

/** Why `name` cannot be an HTTP tunnel's name, or undefined. */
export function nameProblem(name: string): string | undefined {
  if (!TUNNEL_NAME.test(name)) return 'Use 1-40 lower-case letters, digits and hyphens, starting with a letter (one DNS label: no dots, slashes or other characters).';
  if (name.includes('--')) return 'Two hyphens in a row are not allowed (they mark encoded international names).';
  if (RESERVED.has(name)) return `"${name}" is reserved by the platform; choose another name.`;
  return undefined;
}

/** The tunnel name a Host header asks for (`<name>.<domain>[:port]`), or undefined. */
export function nameFromHost(host: string | undefined, domain: string): string | undefined {
  if (!host) return undefined;
  const h = host.toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${domain.toLowerCase()}`;
  if (!h.endsWith(suffix)) return undefined;
  const name = h.slice(0, -suffix.length);
  return TUNNEL_NAME.test(name) ? name : undefined;
}

/** What an `ssh -R` bind address means: a port on the public side, or an HTTP name. */
export function bindTarget(bindAddr: string): { kind: 'reverse' } | { kind: 'http'; name: string } {
  const a = bindAddr.toLowerCase();
  if (a === '' || a === '*' || a === 'localhost' || a === '0.0.0.0' || a === '::' || /^[0-9.]+$/.test(a) || a.includes(':')) return { kind: 'reverse' };
  return { kind: 'http', name: a };
}
