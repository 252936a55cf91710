/**
 * A raw awsJson client for tests that must send what an SDK never would (bad JSON, wrong content type, unknown
 * targets) and read the error exactly as it comes back on the wire.
 */
export interface RawResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function callJson(url: string, target: string, body: unknown, headers: Record<string, string> = {}): Promise<RawResponse> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}
