import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
}

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');
const hmac = (key: string | Buffer, data: string): Buffer => createHmac('sha256', key).update(data).digest();
const MAX_SKEW_MS = 5 * 60 * 1000;

/**
 * Checks an AWS Signature Version 4 `Authorization` header the way AWS does: the key id must be known, the scope
 * must name this region and service, the request time must be within 5 minutes, and the signature recomputed
 * over the canonical request (method, path, query, signed headers, body hash) must match.
 * @returns undefined when valid, else AWS's error type and a reason.
 */
export function verifySigV4(
  request: IncomingMessage,
  body: Buffer,
  expected: { credentials: AwsCredentials; region: string; service: string },
): { type: string; message: string } | undefined {
  const header = request.headers.authorization ?? '';
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(header);
  if (!match) return { type: 'IncompleteSignatureException', message: 'Authorization header is not a SigV4 signature' };
  const [, accessKeyId, day, region, service, signedHeaderList, signature] = match;
  if (accessKeyId !== expected.credentials.accessKeyId) return { type: 'UnrecognizedClientException', message: 'The security token included in the request is invalid.' };
  if (region !== expected.region || service !== expected.service)
    return { type: 'InvalidSignatureException', message: 'Credential should be scoped to a valid region and service.' };
  const amzDate = String(request.headers['x-amz-date'] ?? '');
  const time = Date.parse(amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  if (Number.isNaN(time) || !amzDate.startsWith(day)) return { type: 'IncompleteSignatureException', message: 'X-Amz-Date is missing or does not match the scope' };
  if (Math.abs(Date.now() - time) > MAX_SKEW_MS) return { type: 'InvalidSignatureException', message: 'Signature expired' };

  const signedHeaders = signedHeaderList.split(';');
  if (!signedHeaders.includes('host')) return { type: 'InvalidSignatureException', message: 'host must be signed' };
  const canonicalHeaders = signedHeaders
    .map((name) => {
      const value = request.headers[name];
      const text = Array.isArray(value) ? value.join(',') : (value ?? '');
      return `${name}:${text.trim().replace(/\s+/g, ' ')}\n`;
    })
    .join('');
  const url = new URL(request.url ?? '/', 'http://fake');
  const query = [...url.searchParams.entries()]
    .map(([key, value]) => [encodeRfc3986(key), encodeRfc3986(value)])
    .sort(([a, x], [b, y]) => (a === b ? (x < y ? -1 : 1) : a < b ? -1 : 1))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const path = url.pathname
    .split('/')
    .map((segment) => encodeRfc3986(decodeURIComponent(segment)))
    .join('/');
  const payloadHash = String(request.headers['x-amz-content-sha256'] ?? sha256(body));
  if (payloadHash !== sha256(body) && payloadHash !== 'UNSIGNED-PAYLOAD') return { type: 'InvalidSignatureException', message: 'payload hash mismatch' };
  const canonicalRequest = [request.method, path, query, canonicalHeaders, signedHeaderList, payloadHash].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256(canonicalRequest)].join('\n');
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${expected.credentials.secretAccessKey}`, day), region), service), 'aws4_request');
  const computed = Buffer.from(hmac(signingKey, stringToSign).toString('hex'));
  const given = Buffer.from(signature);
  if (computed.length !== given.length || !timingSafeEqual(computed, given)) {
    return { type: 'InvalidSignatureException', message: 'The request signature we calculated does not match the signature you provided.' };
  }
  return undefined;
}

function encodeRfc3986(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
