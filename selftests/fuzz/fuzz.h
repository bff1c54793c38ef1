/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every libFuzzer target of ovlctl's parsers shares (fuzz.c): the
 * globals main.c would define, quiet messages, and a way to fail a
 * property that libFuzzer records as a crash.
 */
#ifndef OVLCTL_FUZZ_H
#define OVLCTL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/*
 * Make ovlctl quiet: its messages (errors too) go to /dev/null through
 * stdio, while the sanitizers' and libFuzzer's reports still reach fd 2.
 * FUZZ_VERBOSE=1 in the environment keeps them, to debug a crash input.
 * Call from LLVMFuzzerInitialize(), not earlier: libFuzzer takes its own
 * copy of the stderr FILE pointer during static initialisation.
 */
void fuzz_init(void);

/* A private temporary directory, removed at exit (created on first use). */
const char *fuzz_tmpdir(void);

/* Report a broken property on fd 2, then abort(): a crash for libFuzzer. */
void fuzz_fail(const char *fmt, ...)
	__attribute__((format(printf, 1, 2), noreturn));

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif /* OVLCTL_FUZZ_H */
