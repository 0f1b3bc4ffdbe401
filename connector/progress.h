/*
 * progress.h: one progress line on a terminal, redrawn in place.
 *
 *   orders: 1200 of 10003 (11%), 7700/s     (total known)
 *   orders: 1200, 7700/s                    (total 0: unknown, or passed)
 *
 * Each redraw is "\r" + the text + "\033[K" (clear to the end of the line),
 * written with one write(2) and never a newline; the text is cut to the
 * terminal's width so it never wraps. Redraws happen from progress_add, at
 * most one per PROGRESS_REDRAW_MS of the monotonic clock (the first one
 * PROGRESS_REDRAW_MS after start, so a short run draws nothing). The rate is
 * the average since start, shown from one second on. progress_end erases the
 * line ("\r\033[K") when anything was drawn.
 *
 * Only on a terminal: the caller passes progress_wanted(f, json) as
 * `enabled`; disabled, progress_start gives NULL and every call on NULL is a
 * no-op, so not a byte goes to a pipe or a file.
 *
 * Thread-safe: progress_add and progress_set_total may be called from any
 * thread at once (atomics; a redraw is taken by one thread with a trylock,
 * the others skip it). progress_end must come after the last of them.
 *
 * Log lines written to the same terminal meanwhile should start with
 * "\r\033[K" so they overwrite the progress line instead of following it;
 * the next redraw puts the line back under them.
 */
#ifndef SC_PROGRESS_H
#define SC_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

#define PROGRESS_REDRAW_MS 100

struct progress;

/* 1 when a progress line belongs on `f`: it is a terminal, the log is not
 * JSON (json_logs 0), and $TERM is set and not "dumb". */
int progress_wanted(FILE *f, int json_logs);

/* Start a progress line on `tty` (usually stderr; written through its file
 * descriptor). `label` is copied (cut to 31 bytes). enabled 0: *out = NULL
 * and 0 returned. SC_ENOMEM. The caller frees with progress_end. */
int progress_start(struct progress **out, FILE *tty, int enabled, const char *label,
                   uint64_t total);

/* Count `n` more done and redraw if the last redraw is old enough. NULL-safe. */
void progress_add(struct progress *p, uint64_t n);

/* Change the total (0: unknown). Shown at the next redraw. NULL-safe. */
void progress_set_total(struct progress *p, uint64_t total);

/* Erase the line (if drawn) and free. NULL-safe. */
void progress_end(struct progress *p);

/* Format the text of the line (no \r, no escape) into out[n]:
 * "LABEL: DONE of TOTAL (PCT%)" or "LABEL: DONE" when total is 0 or below
 * done; then ", RATE/s" when elapsed_ms >= 1000. PCT is rounded down. */
void progress_line_format(char *out, size_t n, const char *label, uint64_t done,
                          uint64_t total, int64_t elapsed_ms);

/* Tests: replace the monotonic clock (milliseconds) of `p` (NULL: the real
 * one) and restart its timing from that clock's now. Call before any
 * progress_add. NULL-safe. */
void progress__clock_set(struct progress *p, int64_t (*now_ms)(void *ud), void *ud);

#endif
