/** YYYY-MM-DD (UTC), as the report routes take dates. */
export function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

export function today(): string {
  return isoDay(new Date());
}

export function daysAgo(days: number): string {
  return isoDay(new Date(Date.now() - days * 86_400_000));
}
