import { daysOf, parseBound, parseDayRange, parseReportDay } from './report-dates';

describe('report dates', () => {
  it('should parse YYYY-MM-DD as a UTC day', () => {
    expect(parseReportDay('2024-02-29', 'start_date').toISOString()).toBe('2024-02-29T00:00:00.000Z');
  });

  it.each(['2024-02-30', '2023-02-29', '2024-13-01', '2024-5-1', '2024-05-01T00:00:00Z', '01/05/2024', '', ' 2024-05-01', 'today'])(
    'should refuse %p with a 400 naming the parameter',
    (value) => {
      expect(() => parseReportDay(value, 'end_date')).toThrow(expect.objectContaining({ status: 400, param: 'end_date', type: 'invalid_request_error' }));
    },
  );

  it('should make end_date inclusive: the range ends at the start of the next day', () => {
    const range = parseDayRange('2024-05-01', '2024-05-01', { required: true });
    expect(range).toMatchObject({ firstDay: '2024-05-01', lastDay: '2024-05-01' });
    expect(range?.start.toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(range?.endExclusive.toISOString()).toBe('2024-05-02T00:00:00.000Z');
  });

  it('should list every day of a range across month ends', () => {
    const range = parseDayRange('2024-02-28', '2024-03-01', { required: true });
    expect(range && daysOf(range)).toEqual(['2024-02-28', '2024-02-29', '2024-03-01']);
  });

  it('should be optional unless required, but never half given', () => {
    expect(parseDayRange(undefined, undefined, { required: false })).toBeNull();
    expect(() => parseDayRange(undefined, undefined, { required: true })).toThrow('Please provide start_date and end_date');
    expect(() => parseDayRange('2024-05-01', undefined, { required: false })).toThrow('Please provide start_date and end_date');
  });

  it('should refuse an end before the start and an unbounded range', () => {
    expect(() => parseDayRange('2024-05-02', '2024-05-01', { required: true })).toThrow(expect.objectContaining({ status: 400, param: 'end_date' }));
    expect(() => parseDayRange('1900-01-01', '2024-05-01', { required: true })).toThrow(/at most/);
  });

  it('should parse window bounds as whole days or ISO instants (naive = UTC)', () => {
    expect(parseBound('2024-05-01', 'startTime', 'lower').toISOString()).toBe('2024-05-01T00:00:00.000Z');
    expect(parseBound('2024-05-01', 'endTime', 'upper').toISOString()).toBe('2024-05-02T00:00:00.000Z');
    expect(parseBound('2024-05-01T10:30:00', 'startTime', 'lower').toISOString()).toBe('2024-05-01T10:30:00.000Z');
    expect(parseBound('2024-05-01 10:30:00.5+02:00', 'startTime', 'lower').toISOString()).toBe('2024-05-01T08:30:00.500Z');
    expect(() => parseBound('yesterday', 'startTime', 'lower')).toThrow(expect.objectContaining({ status: 400, param: 'startTime' }));
  });
});
