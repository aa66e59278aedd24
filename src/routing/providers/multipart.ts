import type { MultipartUpload } from './media.types';

/**
 * Multipart bodies through the platform's own FormData (undici's), so boundaries and escaping follow the spec
 * without a hand-written encoder or parser.
 */
export async function encodeMultipart(upload: MultipartUpload): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
  form.append(upload.file.fieldName, new Blob([upload.file.data], { type: upload.file.contentType }), upload.file.filename);
  const encoded = new Request('http://multipart.invalid/', { method: 'POST', body: form });
  return { body: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get('content-type') ?? 'multipart/form-data' };
}

/**
 * Parses a received multipart body (already bounded by `max_request_size_mb`) into its text fields and the one
 * file part. Returns undefined when there is no file part.
 */
export async function decodeMultipart(body: Buffer, contentType: string): Promise<MultipartUpload | undefined> {
  const form = await new Response(body, { headers: { 'content-type': contentType } }).formData();
  const fields: Record<string, string> = {};
  let file: MultipartUpload['file'] | undefined;
  for (const [name, value] of form.entries()) {
    if (typeof value === 'string') fields[name] = value;
    else if (!file)
      file = { fieldName: name, filename: value.name || 'upload', contentType: value.type || 'application/octet-stream', data: Buffer.from(await value.arrayBuffer()) };
  }
  return file ? { fields, file } : undefined;
}

/** A whole (size-limited) body as bytes. */
export async function readBytes(body: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const part of body) parts.push(part);
  return Buffer.concat(parts);
}
