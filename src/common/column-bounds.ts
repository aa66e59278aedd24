/** Bounds of the numbers a request may hand to the database, so an overflow is a 400 and never a driver error. */

/** Largest count a BIGINT column takes that JavaScript still holds exactly (rpm and tpm limits). */
export const MAX_BIGINT_COUNT = Number.MAX_SAFE_INTEGER;
/** Largest count of an INTEGER column (max_parallel_requests). */
export const MAX_INTEGER_COUNT = 2_147_483_647;
/** Highest page any listing serves: (page - 1) × size stays an exact OFFSET, and no listing has a million pages. */
export const MAX_PAGE = 1_000_000;
