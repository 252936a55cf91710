/**
 * The text forms CloudWatch writes in alarm reasons, reason data and alarm messages, which people and tools parse:
 * numbers as Java prints a double (`1.0`, `0.059`, `1.0E7`), times as `2022-09-25T18:50:37.811+0000` and, inside
 * reasons, datapoint times as `25/09/22 18:49:00` (UTC).
 */

/** A double as Java's Double.toString writes it: always a fraction digit, exponent form outside [1e-3, 1e7). */
export function javaDouble(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const magnitude = Math.abs(x);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    const plain = String(x);
    return plain.includes('.') ? plain : `${plain}.0`;
  }
  const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${exponent.replace('+', '')}`;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2022-09-25T18:50:37.811+0000`: CloudWatch's timestamps in alarm messages and reason data. */
export function cloudWatchTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace('Z', '+0000');
}

/** `25/09/22 18:49:00`: a datapoint's time inside an alarm reason. */
export function reasonTime(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/**
 * JSON as CloudWatch's Java side writes it: members in the order given, numbers as doubles (`5.0`) except those
 * under the keys in `integerKeys` (periods and counts), and null kept (unlike awsJson, where absent means unset).
 */
export function javaJson(value: unknown, integerKeys: ReadonlySet<string>, key = ''): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return integerKeys.has(key) ? String(value) : javaDouble(value);
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((v) => javaJson(v, integerKeys, key)).join(',')}]`;
  const members = Object.entries(value as Record<string, unknown>).map(([k, v]) => `${JSON.stringify(k)}:${javaJson(v, integerKeys, k)}`);
  return `{${members.join(',')}}`;
}
