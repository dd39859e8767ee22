/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * A main() for the fuzz targets when libFuzzer is not there (gcc builds):
 * feeds every file named on the command line, or found directly inside a
 * directory named there, to LLVMFuzzerTestOneInput once. The target's own
 * invariant checks abort on a failure; the sanitizers, when built in, report
 * memory errors. Prints "N passed, 0 failed" at the end.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t cap = 0, len = 0, n;
	int rv = -1;

	if (!f) {
		perror(path);
		return -1;
	}
	do {
		if (len == cap) {
			uint8_t *bigger = realloc(buf, cap ? cap * 2 : 4096);

			if (!bigger)
				goto cleanup;
			buf = bigger;
			cap = cap ? cap * 2 : 4096;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	LLVMFuzzerTestOneInput(buf, len);
	rv = 0;
cleanup:
	free(buf);
	fclose(f);
	return rv;
}

static int replay_path(const char *path, unsigned *count)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	int rv = 0;

	if (stat(path, &st) < 0) {
		perror(path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		(*count)++;
		return replay_file(path);
	}
	d = opendir(path);
	if (!d) {
		perror(path);
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		char child[4096];

		if (e->d_name[0] == '.')
			continue;
		snprintf(child, sizeof(child), "%s/%s", path, e->d_name);
		if (replay_path(child, count) < 0)
			rv = -1;
	}
	closedir(d);
	return rv;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int rv = 0;

	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &count) < 0)
			rv = 1;
	if (count == 0) {
		fprintf(stderr, "replay: no input files\n");
		return 1;
	}
	printf("%u passed, %d failed\n", rv ? 0 : count, rv ? 1 : 0);
	return rv;
}
