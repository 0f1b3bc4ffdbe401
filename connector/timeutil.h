/*
 * timeutil.h: UTC times as int64 seconds since the epoch; ISO 8601 text.
 */
#ifndef SC_TIMEUTIL_H
#define SC_TIMEUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Parse ISO 8601: "2026-11-20T08:00:00Z", "...08:00:00.123Z" (fraction
 * dropped), "...+02:00" offsets, "2026-11-20" (midnight UTC). SC_EMALFORMED
 * otherwise (including impossible dates such as 2026-02-30).
 * Also accepted: 't' or ' ' for 'T', 'z' for 'Z', ',' before the fraction,
 * no seconds ("08:00Z"), offsets "+0200" and "+02". A date-time without a
 * zone is refused (local time would be a guess); so are 24:00 and leap
 * second 60. Four-digit years only. Exactly `len` bytes, nothing around. */
int time_parse_iso8601(int64_t *out, const char *text, size_t len);

/* Write "2026-11-20T08:00:00Z" (21 bytes with the NUL) into out[21].
 * Times outside 0000-01-01..9999-12-31T23:59:59Z are clamped to that range. */
void time_format_iso8601(char out[21], int64_t t);
/* Write "2026-11-20" into out[11] (same clamping). */
void time_format_date(char out[11], int64_t t);

/* Days since epoch <-> civil date (proleptic Gregorian). */
int64_t time_from_civil(int y, unsigned m, unsigned d);

/* Seconds since the epoch, UTC. */
int64_t time_now(void);
/* Monotonic milliseconds (for rate limiting and timeouts). */
int64_t time_mono_ms(void);
/* Sleep `ms` milliseconds; returns early (SC_EINTR) if interrupted by a signal.
 * ms <= 0 returns 0 at once. */
int time_sleep_ms(int64_t ms);

#endif
