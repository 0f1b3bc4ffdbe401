/*
 * driver.c: replays fuzz corpora without libFuzzer.
 *
 * Usage: NAME DIR_OR_FILE...  Each regular file is read and handed to
 * LLVMFuzzerTestOneInput once; a directory is walked one level deep. The
 * target must return 0 and must not crash (ASan/UBSan turn bad memory use
 * into a failure). Exits 1 when no input was found, so an empty or missing
 * corpus cannot pass silently. With clang and -fsanitize=fuzzer the same
 * target files link against libFuzzer instead of this driver.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long len;
	int rc;

	if (f == NULL) {
		fprintf(stderr, "%s: cannot open\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		return -1;
	}
	data = malloc((size_t)len + 1);
	if (data == NULL || fread(data, 1, (size_t)len, f) != (size_t)len) {
		free(data);
		fclose(f);
		return -1;
	}
	fclose(f);
	rc = LLVMFuzzerTestOneInput(data, (size_t)len);
	free(data);
	if (rc != 0)
		fprintf(stderr, "%s: target returned %d\n", path, rc);
	return rc;
}

int
main(int argc, char **argv)
{
	int i, failed = 0, ran = 0;

	for (i = 1; i < argc; i++) {
		struct stat st;
		DIR *d;
		struct dirent *de;

		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "%s: no such corpus\n", argv[i]);
			return 1;
		}
		if (!S_ISDIR(st.st_mode)) {
			failed |= run_file(argv[i]) != 0;
			ran++;
			continue;
		}
		if ((d = opendir(argv[i])) == NULL)
			return 1;
		while ((de = readdir(d)) != NULL) {
			char path[4096];
			struct stat fst;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", argv[i], de->d_name);
			if (stat(path, &fst) != 0 || !S_ISREG(fst.st_mode))
				continue;
			failed |= run_file(path) != 0;
			ran++;
		}
		closedir(d);
	}
	printf("%d inputs replayed, %s\n", ran, failed ? "FAILED" : "ok");
	if (ran == 0)
		return 1;
	return failed ? 1 : 0;
}
