/* main.c: the connector program. */
#include "connector/cli.h"

#include <malloc.h>

int
main(int argc, char **argv)
{
	/* Large buffers (a page of marketplace JSON, ~200 KB) get mappings of
	 * their own: freeing one then never makes malloc consolidate the many
	 * small chunks a JSON tree leaves behind (measured: ~7 us an order).
	 * A fixed threshold also stops glibc from raising it dynamically. */
	mallopt(M_MMAP_THRESHOLD, 64 * 1024);
	return cli_main(argc, argv);
}
