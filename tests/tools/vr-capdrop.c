// SPDX-License-Identifier: GPL-2.0
/*
 * vr-capdrop: run a command without some capabilities.
 *
 *   vr-capdrop CAP_NUMBER... -- CMD [ARG...]
 *
 * Drops each capability (by number, e.g. 12 for CAP_NET_ADMIN) from the
 * bounding set (PR_CAPBSET_DROP) and from the ambient, effective, permitted
 * and inheritable sets (capset(2), no libcap), then execs CMD (searched in
 * PATH). Both matter for root: execve() gives root a permitted set of
 * (all & bounding set), so dropping from the bounding set is what survives
 * the exec, and dropping from the current sets covers the exec itself.
 *
 * Exit: CMD's, or 2 on usage error, 3 when dropping failed, 127 when CMD
 * cannot be run.
 *
 * Build: gcc -static -O2 -Wall -Wextra -o vr-capdrop vr-capdrop.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

static const char *prog = "vr-capdrop";

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr, "usage: %s CAP_NUMBER... -- CMD [ARG...]\n", prog);
	exit(2);
}

static int last_cap(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");
	int v = 63;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = 63;
		fclose(f);
	}
	return v;
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = {
		.version = _LINUX_CAPABILITY_VERSION_3,
		.pid = 0,
	};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int caps[64], ncaps = 0, max = last_cap(), i;

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		char *end;
		long c;

		errno = 0;
		c = strtol(argv[i], &end, 10);
		if (errno || !*argv[i] || *end || c < 0 || c > max || c > 63) {
			fprintf(stderr, "%s: bad capability number '%s' (0..%d)\n",
				prog, argv[i], max);
			usage();
		}
		if (ncaps == (int)ARRAY_SIZE(caps))
			usage();
		caps[ncaps++] = c;
	}
	if (ncaps == 0 || i >= argc || i + 1 >= argc)
		usage();
	i++;	/* skip "--" */

	/* The bounding set first: PR_CAPBSET_DROP needs CAP_SETPCAP. */
	for (int k = 0; k < ncaps; k++) {
		if (prctl(PR_CAPBSET_DROP, caps[k], 0, 0, 0)) {
			fprintf(stderr, "%s: PR_CAPBSET_DROP %d: %s\n", prog,
				caps[k], strerror(errno));
			return 3;
		}
	}
	/* EINVAL: no ambient capabilities in this kernel, nothing to clear. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) &&
	    errno != EINVAL) {
		fprintf(stderr, "%s: PR_CAP_AMBIENT_CLEAR_ALL: %s\n", prog,
			strerror(errno));
		return 3;
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data)) {
		fprintf(stderr, "%s: capget: %s\n", prog, strerror(errno));
		return 3;
	}
	for (int k = 0; k < ncaps; k++) {
		unsigned int w = caps[k] / 32, bit = 1U << (caps[k] % 32);

		data[w].effective &= ~bit;
		data[w].permitted &= ~bit;
		data[w].inheritable &= ~bit;
	}
	if (syscall(SYS_capset, &hdr, data)) {
		fprintf(stderr, "%s: capset: %s\n", prog, strerror(errno));
		return 3;
	}

	execvp(argv[i], &argv[i]);
	fprintf(stderr, "%s: cannot run %s: %s\n", prog, argv[i], strerror(errno));
	return 127;
}
