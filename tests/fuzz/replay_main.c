/*
 * Runs every file of a corpus directory (argv[1]) through
 * LLVMFuzzerTestOneInput, so fuzz targets build and run as ordinary tests
 * without libFuzzer. A crash fails the test; otherwise it prints
 * "N passed, 0 failed". Files over REPLAY_MAX bytes are read in part.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REPLAY_MAX (1u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Reads up to REPLAY_MAX bytes of path into buf; -1 if it cannot be read. */
static long read_file(const char *path, uint8_t *buf)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (f == NULL)
		return -1;
	n = fread(buf, 1, REPLAY_MAX, f);
	fclose(f);
	return (long)n;
}

int main(int argc, char **argv)
{
	char path[4096];
	uint8_t *buf;
	struct dirent *e;
	DIR *d;
	int passed = 0, failed = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	d = opendir(argv[1]);
	buf = malloc(REPLAY_MAX);
	if (d == NULL || buf == NULL) {
		fprintf(stderr, "cannot open %s\n", argv[1]);
		return 2;
	}
	while ((e = readdir(d)) != NULL) {
		long n;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", argv[1], e->d_name);
		n = read_file(path, buf);
		if (n < 0) {
			fprintf(stderr, "cannot read %s\n", path);
			failed++;
			continue;
		}
		LLVMFuzzerTestOneInput(buf, (size_t)n);
		passed++;
	}
	closedir(d);
	free(buf);
	printf("%d passed, %d failed\n", passed, failed);
	return failed == 0 && passed > 0 ? 0 : 1;
}
