/* progress.c: see progress.h. */
#include "connector/progress.h"
#include "connector/error.h"
#include "connector/timeutil.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define PROGRESS_COLS_DEFAULT 80
#define PROGRESS_LINE_MAX 256

struct progress {
	int fd;
	char label[32];
	_Atomic uint64_t done;
	_Atomic uint64_t total;
	_Atomic int64_t next_ms;        /* no redraw before this */
	pthread_mutex_t lock;           /* one drawer at a time; guards below */
	int64_t start_ms;
	int drawn;                      /* something is on the line */
	int broken;                     /* a write failed: stop drawing */
	int64_t (*now_ms)(void *ud);
	void *ud;
};

static int64_t
progress_clock_real(void *ud)
{
	(void)ud;
	return time_mono_ms();
}

int
progress_wanted(FILE *f, int json_logs)
{
	const char *term = getenv("TERM");
	int fd;

	if (f == NULL || json_logs)
		return 0;
	if (term == NULL || term[0] == '\0' || strcmp(term, "dumb") == 0)
		return 0;
	if ((fd = fileno(f)) < 0)
		return 0;
	return isatty(fd) == 1;
}

void
progress_line_format(char *out, size_t n, const char *label, uint64_t done,
                     uint64_t total, int64_t elapsed_ms)
{
	size_t o;

	if (n == 0)
		return;
	if (total > 0 && done <= total)
		snprintf(out, n, "%s: %llu of %llu (%u%%)", label, (unsigned long long)done,
		         (unsigned long long)total,
		         (unsigned)(done >= UINT64_MAX / 100 ? done / (total / 100)
		                                             : done * 100 / total));
	else
		snprintf(out, n, "%s: %llu", label, (unsigned long long)done);
	o = strlen(out);
	if (elapsed_ms >= 1000 && o + 1 < n) {
		uint64_t ms = (uint64_t)elapsed_ms;
		uint64_t rate = done < UINT64_MAX / 1000 ? done * 1000 / ms : done / (ms / 1000);

		snprintf(out + o, n - o, ", %llu/s", (unsigned long long)rate);
	}
}

static int
progress_cols(int fd)
{
	struct winsize ws;

	if (ioctl(fd, TIOCGWINSZ, &ws) != 0 || ws.ws_col == 0)
		return PROGRESS_COLS_DEFAULT;
	return ws.ws_col;
}

/* One write(2) of the whole sequence; a failure ends the drawing. */
static void
progress_emit(struct progress *p, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(p->fd, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			p->broken = 1;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/* Called with p->lock held. */
static void
progress_draw(struct progress *p, int64_t now)
{
	char text[PROGRESS_LINE_MAX];
	char seq[PROGRESS_LINE_MAX + 8];
	int cols = progress_cols(p->fd);
	size_t len;

	progress_line_format(text, sizeof(text), p->label, atomic_load(&p->done),
	                     atomic_load(&p->total), now - p->start_ms);
	len = strlen(text);
	/* one column short of the width: a full line would wrap on some terminals */
	if (cols > 1 && len > (size_t)(cols - 1))
		len = (size_t)(cols - 1);
	seq[0] = '\r';
	memcpy(seq + 1, text, len);
	memcpy(seq + 1 + len, "\033[K", 3);
	progress_emit(p, seq, len + 4);
	p->drawn = 1;
}

int
progress_start(struct progress **out, FILE *tty, int enabled, const char *label,
               uint64_t total)
{
	struct progress *p = NULL;

	*out = NULL;
	if (!enabled || tty == NULL || fileno(tty) < 0)
		return 0;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return SC_ENOMEM;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return SC_ENOMEM;
	}
	fflush(tty);
	p->fd = fileno(tty);
	snprintf(p->label, sizeof(p->label), "%s", label != NULL ? label : "");
	atomic_init(&p->done, 0);
	atomic_init(&p->total, total);
	p->now_ms = progress_clock_real;
	p->start_ms = p->now_ms(NULL);
	atomic_init(&p->next_ms, p->start_ms + PROGRESS_REDRAW_MS);
	*out = p;
	return 0;
}

void
progress__clock_set(struct progress *p, int64_t (*now_ms)(void *ud), void *ud)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->now_ms = now_ms != NULL ? now_ms : progress_clock_real;
	p->ud = ud;
	p->start_ms = p->now_ms(p->ud);
	atomic_store(&p->next_ms, p->start_ms + PROGRESS_REDRAW_MS);
	pthread_mutex_unlock(&p->lock);
}

void
progress_add(struct progress *p, uint64_t n)
{
	int64_t now;

	if (p == NULL)
		return;
	atomic_fetch_add(&p->done, n);
	now = p->now_ms(p->ud);
	if (now < atomic_load(&p->next_ms))
		return;
	if (pthread_mutex_trylock(&p->lock) != 0)
		return;             /* another thread is drawing right now */
	now = p->now_ms(p->ud);
	if (now >= atomic_load(&p->next_ms) && !p->broken) {
		atomic_store(&p->next_ms, now + PROGRESS_REDRAW_MS);
		progress_draw(p, now);
	}
	pthread_mutex_unlock(&p->lock);
}

void
progress_set_total(struct progress *p, uint64_t total)
{
	if (p == NULL)
		return;
	atomic_store(&p->total, total);
}

void
progress_end(struct progress *p)
{
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	if (p->drawn && !p->broken)
		progress_emit(p, "\r\033[K", 4);
	pthread_mutex_unlock(&p->lock);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
