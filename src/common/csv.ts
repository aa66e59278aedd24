/** Characters that force a CSV field into quotes (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * One CSV field (RFC 4180): null and undefined are empty, dates ISO-8601, arrays and objects their JSON,
 * and anything containing a comma, a quote or a line break is quoted with inner quotes doubled.
 */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') text = String(value);
  else if (value instanceof Date) text = value.toISOString();
  else text = JSON.stringify(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One CSV record, CRLF-terminated as RFC 4180 asks (spreadsheets and csv parsers accept it everywhere). */
export function csvRecord(values: readonly unknown[]): string {
  let line = '';
  for (let index = 0; index < values.length; index++) {
    if (index > 0) line += ',';
    line += csvField(values[index]);
  }
  return `${line}\r\n`;
}
