import { BadRequestError } from '../common/errors/http-errors';
import { InvalidReportDateError, MissingReportDatesError } from './spend-reports.errors';

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
/** ISO-8601 instants LiteLLM's clients send (`2024-05-01T10:00:00Z`, with offset, or naive = UTC). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?(?:Z|[+-]\d{2}:?\d{2})?$/;
/** Per-day reports list every day of the range; ten years keeps a response bounded. */
export const MAX_REPORT_DAYS = 3_660;

/**
 * A half-open UTC interval `[start, endExclusive)` covering whole days: `end_date` is inclusive, so
 * `2024-05-01..2024-05-01` is all of May 1st.
 */
export interface DayRange {
  readonly start: Date;
  readonly endExclusive: Date;
  /** The first and last day as given, `YYYY-MM-DD`. */
  readonly firstDay: string;
  readonly lastDay: string;
}

/**
 * Parses `YYYY-MM-DD` strictly as a UTC day: no other formats, no rolling over (`2024-02-30` is refused).
 * @throws InvalidReportDateError naming `param`.
 */
export function parseReportDay(value: unknown, param: string): Date {
  const match = typeof value === 'string' ? ISO_DAY.exec(value) : null;
  if (!match) throw new InvalidReportDateError(param);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(Date.UTC(year, month - 1, day));
  // Date.UTC rolls 2024-02-30 over to March 1st; a round trip catches it.
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) {
    throw new InvalidReportDateError(param);
  }
  return date;
}

/**
 * The range of `start_date`/`end_date`, or null when neither is given and `required` is false.
 * @throws MissingReportDatesError when required and absent, or when only one of the two is given.
 * @throws InvalidReportDateError for a malformed date; BadRequestError when end precedes start or the range is too long.
 */
export function parseDayRange(startDate: unknown, endDate: unknown, options: { required: boolean }): DayRange | null {
  const hasStart = startDate !== undefined && startDate !== null && startDate !== '';
  const hasEnd = endDate !== undefined && endDate !== null && endDate !== '';
  if (!hasStart && !hasEnd) {
    if (options.required) throw new MissingReportDatesError();
    return null;
  }
  // Silently ignoring half a range (as LiteLLM does) would return a different report than the caller asked for.
  if (!hasStart || !hasEnd) throw new MissingReportDatesError();
  const start = parseReportDay(startDate, 'start_date');
  const last = parseReportDay(endDate, 'end_date');
  if (last.getTime() < start.getTime()) throw new BadRequestError('end_date must not be before start_date', 'end_date');
  const days = (last.getTime() - start.getTime()) / DAY_MS + 1;
  if (days > MAX_REPORT_DAYS) throw new BadRequestError(`The date range may cover at most ${MAX_REPORT_DAYS} days`, 'end_date');
  return {
    start,
    endExclusive: new Date(last.getTime() + DAY_MS),
    firstDay: startDate as string,
    lastDay: endDate as string,
  };
}

/** Every day of the range, oldest first, as `YYYY-MM-DD`. */
export function daysOf(range: DayRange): string[] {
  const days: string[] = [];
  for (let time = range.start.getTime(); time < range.endExclusive.getTime(); time += DAY_MS) {
    days.push(new Date(time).toISOString().slice(0, 10));
  }
  return days;
}

/**
 * A bound given either as a day (`YYYY-MM-DD`, taken as that whole day: its start for a lower bound, the next
 * day's start for an upper one) or as an ISO instant. Used by `/global/spend/end_users`, whose LiteLLM
 * clients send datetimes.
 * @throws InvalidReportDateError naming `param`.
 */
export function parseBound(value: unknown, param: string, edge: 'lower' | 'upper'): Date {
  if (typeof value === 'string' && ISO_DAY.test(value)) {
    const day = parseReportDay(value, param);
    return edge === 'lower' ? day : new Date(day.getTime() + DAY_MS);
  }
  if (typeof value !== 'string' || !ISO_INSTANT.test(value)) throw new InvalidReportDateError(param);
  const naive = !/(?:Z|[+-]\d{2}:?\d{2})$/.test(value);
  const instant = new Date(naive ? `${value.replace(' ', 'T')}Z` : value.replace(' ', 'T'));
  if (Number.isNaN(instant.getTime())) throw new InvalidReportDateError(param);
  return instant;
}

/** The last `days` UTC days up to and including the day of `now`. */
export function recentDays(days: number, now: Date): DayRange {
  const endExclusive = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()) + DAY_MS);
  const start = new Date(endExclusive.getTime() - days * DAY_MS);
  return { start, endExclusive, firstDay: start.toISOString().slice(0, 10), lastDay: new Date(endExclusive.getTime() - DAY_MS).toISOString().slice(0, 10) };
}
