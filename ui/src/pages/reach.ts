// Who can reach a SCIM base URL: what the console can tell from the address alone.

/** How far a SCIM base URL reaches. */
export type Reach =
  /** Only this machine (loopback): no cloud identity provider can call it. */
  | 'thisMachine'
  /** A private network (RFC 1918, link-local, unique local, `.local`, a name without a dot). */
  | 'privateNetwork'
  /** A public address over plain HTTP: identity providers require HTTPS. */
  | 'publicHttp'
  /** A public HTTPS address. */
  | 'public';

function privateV4(host: string): boolean {
  const parts = host.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) return false;
  const [a, b] = parts;
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254);
}

/** Who can reach `baseUrl`, from its scheme and host. */
export function reachOf(baseUrl: string): Reach {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return 'thisMachine';
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\./.test(host))
    return 'thisMachine';
  if (
    privateV4(host) ||
    /^f[cd][0-9a-f]{2}:/.test(host) ||
    /^fe80:/.test(host) ||
    host.endsWith('.local') ||
    host.endsWith('.internal') ||
    (!host.includes('.') && !host.includes(':'))
  )
    return 'privateNetwork';
  return url.protocol === 'https:' ? 'public' : 'publicHttp';
}
