import { csvField, csvRecord } from './csv';

describe('CSV encoding (RFC 4180)', () => {
  it('should leave plain values bare', () => {
    expect(csvRecord(['a', 1, 0.5, true, 'x y'])).toBe('a,1,0.5,true,x y\r\n');
  });

  it('should write null and undefined as empty fields', () => {
    expect(csvRecord([null, undefined, ''])).toBe(',,\r\n');
  });

  it('should quote commas, quotes and line breaks, doubling inner quotes', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('line1\nline2')).toBe('"line1\nline2"');
    expect(csvField('cr\rlf')).toBe('"cr\rlf"');
  });

  it('should write arrays and objects as JSON, quoted when needed', () => {
    expect(csvField(['a', 'b'])).toBe('"[""a"",""b""]"');
    expect(csvField([])).toBe('[]');
    expect(csvField({ k: 'v' })).toBe('"{""k"":""v""}"');
  });

  it('should write dates as ISO-8601', () => {
    expect(csvField(new Date('2024-05-01T00:00:00Z'))).toBe('2024-05-01T00:00:00.000Z');
  });
});
