import { decodeMultipart, encodeMultipart } from './multipart';

describe('multipart', () => {
  it('should round-trip fields and a binary file, including bytes that look like a boundary', async () => {
    const data = Buffer.concat([Buffer.from([0, 255, 13, 10]), Buffer.from('--not-a-boundary\r\n'), Buffer.alloc(3000, 9)]);
    const { body, contentType } = await encodeMultipart({
      fields: { model: 'whisper-1', language: 'fr' },
      file: { fieldName: 'file', filename: 'a "b".wav', contentType: 'audio/wav', data },
    });
    expect(contentType).toMatch(/^multipart\/form-data; boundary=/);
    const decoded = await decodeMultipart(body, contentType);
    expect(decoded?.fields).toEqual({ model: 'whisper-1', language: 'fr' });
    expect(decoded?.file.filename).toBe('a "b".wav');
    expect(decoded?.file.contentType).toBe('audio/wav');
    expect(decoded?.file.data.equals(data)).toBe(true);
  });

  it('should report a body without a file part', async () => {
    const form = new FormData();
    form.append('purpose', 'batch');
    const request = new Request('http://x.invalid/', { method: 'POST', body: form });
    const body = Buffer.from(await request.arrayBuffer());
    expect(await decodeMultipart(body, request.headers.get('content-type') ?? '')).toBeUndefined();
  });
});
