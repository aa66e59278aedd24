import { addDuration, parseDuration } from './duration';

describe(parseDuration.name, () => {
  it('should read the units LiteLLM documents', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('30m')).toBe(1_800_000);
    expect(parseDuration('30h')).toBe(108_000_000);
    expect(parseDuration('30d')).toBe(2_592_000_000);
    expect(parseDuration('2w')).toBe(1_209_600_000);
    expect(parseDuration('1mo')).toBe(2_592_000_000);
  });

  it('should read a bare number or digit string as seconds', () => {
    expect(parseDuration(90)).toBe(90_000);
    expect(parseDuration('3600')).toBe(3_600_000);
    expect(parseDuration(' 24h ')).toBe(86_400_000);
  });

  it('should refuse anything else', () => {
    for (const bad of ['', 'h', '30x', '1.5h', '-1', '30 days', '30dd']) expect(parseDuration(bad)).toBeUndefined();
    expect(parseDuration(-5)).toBeUndefined();
    expect(parseDuration(Number.NaN)).toBeUndefined();
  });
});

describe(addDuration.name, () => {
  it('should add the duration to the given instant', () => {
    expect(addDuration(new Date('2026-01-01T00:00:00Z'), '1d')?.toISOString()).toBe('2026-01-02T00:00:00.000Z');
    expect(addDuration(new Date(0), 'nope')).toBeUndefined();
  });
});
