/* SPDX-License-Identifier: MIT */
/*
 * The replay side of the fuzz targets (replay.c): a main that feeds files given as arguments to
 * the target, used in normal builds (meson tests replay the seed corpus) and, with
 * `--write-seeds DIR`, to write the inputs it would feed as the libFuzzer seed corpus.
 *
 * Each target implements LLVMFuzzerTestOneInput and, for the replay, fuzz_replay_file() (turn
 * one file, e.g. a conformance stream, into inputs) and fuzz_replay_builtin() (hand-made seeds);
 * both hand their inputs to fuzz_input().
 */
#ifndef V4L2R_FUZZ_REPLAY_H
#define V4L2R_FUZZ_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Runs the target on one input, or writes it to the seed directory. */
void fuzz_input(const uint8_t *data, size_t size);
/* True with --write-seeds: inputs are written, not run. */
bool fuzz_writing_seeds(void);
/* Implemented by each target. `name` is the file's path. */
void fuzz_replay_file(const char *name, const uint8_t *data, size_t size);
void fuzz_replay_builtin(void);
/* Called by the replay main at the end: 0 when the target's own checks passed. */
int fuzz_replay_finish(void);

/* Little-endian reads for input parsing. */
static inline uint32_t fuzz_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint16_t fuzz_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

#endif
