/* SPDX-License-Identifier: MIT */
/*
 * Replay main of the fuzz targets (replay.h):
 *   TARGET [FILE|DIR]...                 run the built-in seeds and every file (DIR: its files)
 *   TARGET --write-seeds OUTDIR [FILE]... write those inputs as files into OUTDIR instead
 * Prints one line: the number of inputs run (or written).
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay.h"

static const char *seed_dir;
static unsigned long n_inputs;

bool fuzz_writing_seeds(void)
{
	return seed_dir != NULL;
}

void fuzz_input(const uint8_t *data, size_t size)
{
	n_inputs++;
	if (!seed_dir) {
		/* A private copy: ASan sees any read past the input. */
		uint8_t *copy = malloc(size ? size : 1);

		if (!copy)
			abort();
		memcpy(copy, data, size);
		LLVMFuzzerTestOneInput(copy, size);
		free(copy);
		return;
	}
	char path[4096];
	snprintf(path, sizeof(path), "%s/seed-%06lu", seed_dir, n_inputs);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, size, f) != size || fclose(f)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(1);
	}
}

static int replay_path(const char *path)
{
	struct stat st;

	if (stat(path, &st)) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (S_ISDIR(st.st_mode)) {
		struct dirent **ents;
		int n = scandir(path, &ents, NULL, alphasort), rc = 0;

		if (n < 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return -1;
		}
		for (int i = 0; i < n; i++) {
			char sub[4096];

			if (ents[i]->d_name[0] != '.') {
				snprintf(sub, sizeof(sub), "%s/%s", path, ents[i]->d_name);
				rc |= replay_path(sub);
			}
			free(ents[i]);
		}
		free(ents);
		return rc;
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	uint8_t *d = malloc(st.st_size > 0 ? (size_t)st.st_size : 1);
	size_t n = d ? fread(d, 1, (size_t)st.st_size, f) : 0;
	fclose(f);
	if (!d || n != (size_t)st.st_size) {
		fprintf(stderr, "%s: read error\n", path);
		free(d);
		return -1;
	}
	fuzz_replay_file(path, d, n);
	free(d);
	return 0;
}

int main(int argc, char **argv)
{
	int a = 1, rc = 0;

	if (argc > 2 && !strcmp(argv[1], "--write-seeds")) {
		seed_dir = argv[2];
		if (mkdir(seed_dir, 0755) && errno != EEXIST) {
			fprintf(stderr, "%s: %s\n", seed_dir, strerror(errno));
			return 1;
		}
		a = 3;
	}
	if (!seed_dir)
		LLVMFuzzerInitialize(&argc, &argv);
	fuzz_replay_builtin();
	for (; a < argc; a++)
		rc |= replay_path(argv[a]);
	if (!seed_dir)
		rc |= fuzz_replay_finish();
	printf("%s: %s %lu inputs\n", argv[0], seed_dir ? "wrote" : "replayed", n_inputs);
	return rc ? 1 : 0;
}
