/**
 * IP addresses and `cidr` patterns. Addresses become BigInts tagged with their version; a CIDR becomes an inclusive
 * range. Validation follows event-ruler's CIDR class, including its quirks (the range starts at the address as
 * written, not at the network address; IPv4 masks must be < 32).
 */

export interface IpAddress {
  readonly v6: boolean;
  readonly n: bigint;
}

export interface CidrRange {
  readonly v6: boolean;
  readonly lo: bigint;
  readonly hi: bigint;
}

const IPV4_RE = /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/;
const IPV6_RE = /^[0-9a-fA-F:]*:[0-9a-fA-F:]*$/;

/** True when the text has the shape event-ruler tries to read as an address (a cheap pre-check for event values). */
export function looksLikeIp(text: string): boolean {
  return IPV4_RE.test(text) || IPV6_RE.test(text);
}

/** Parses an IPv4 or IPv6 literal; null when it is not one. */
export function parseIp(text: string): IpAddress | null {
  if (IPV4_RE.test(text)) {
    let n = 0n;
    for (const part of text.split('.')) {
      const byte = Number(part);
      if (byte > 255) return null;
      n = (n << 8n) | BigInt(byte);
    }
    return { v6: false, n };
  }
  if (IPV6_RE.test(text)) return parseIpv6(text);
  return null;
}

function parseIpv6(text: string): IpAddress | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = halves[0] === '' ? [] : halves[0].split(':');
  const tail = halves.length === 2 && halves[1] !== '' ? halves[1].split(':') : [];
  const groups = halves.length === 2 ? head.length + tail.length : head.length;
  if (halves.length === 2 ? groups > 7 : groups !== 8) return null;
  const all = [...head, ...new Array<string>(8 - groups).fill('0'), ...tail];
  let n = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return { v6: true, n };
}

/** Parses a CIDR pattern; returns event-ruler's error message when invalid. */
export function parseCidr(text: string): CidrRange | string {
  // Java's String.split drops trailing empty strings, so "10.0.0.0/" has one part, not two.
  const parts = text.split('/');
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  if (parts.length !== 2) return "Malformed CIDR, one '/' required";
  if (!/^[+-]?\d+$/.test(parts[1]) || Math.abs(Number(parts[1])) > 2 ** 31 - 1) {
    return 'Malformed CIDR, mask bits must be an integer';
  }
  const mask = Number(parts[1]);
  if (mask < 0) return 'Malformed CIDR, mask bits must not be negative';
  if (!looksLikeIp(parts[0])) return `Nonstandard IP address: ${parts[0]}`;
  const ip = parseIp(parts[0]);
  if (!ip) return `Invalid IP address: ${parts[0]}`;
  const bits = ip.v6 ? 128 : 32;
  if (mask > bits - 1) return ip.v6 ? 'IPv6 mask bits must be < 128' : 'IPv4 mask bits must be < 32';
  const hostBits = BigInt(bits - mask);
  return { v6: ip.v6, lo: ip.n, hi: ip.n | ((1n << hostBits) - 1n) };
}

export function cidrContains(range: CidrRange, ip: IpAddress): boolean {
  return range.v6 === ip.v6 && ip.n >= range.lo && ip.n <= range.hi;
}
