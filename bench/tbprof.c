// SPDX-License-Identifier: GPL-2.0
/*
 * tbprof: a QEMU TCG plugin that counts the guest instructions executed
 * per translation-block start address between two marks, for
 * `make bench-profile` (scripts/bench-profile.sh). The guest marks the
 * window by calling a function given as mark=<hex address> (the bench
 * uses sync(2), __x64_sys_sync); the counts between its first and second
 * call are written to out=<file> at exit as "<address> <instructions>"
 * lines, with a "# marks <n>" header. Under -icount the VM is one vCPU
 * run by one thread, so plain counters are exact.
 *
 * QEMU's plugin header is not packaged by Debian; the few declarations
 * used are those of the stable plugin API (version 1, QEMU 4.2 to 7.2).
 *
 *   gcc -shared -fPIC -O2 -o tbprof.so tbprof.c
 *   qemu-system-x86_64 ... -plugin tbprof.so,mark=0xffffffff81336ffc,out=prof.txt
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
struct qemu_plugin_insn;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_cb_flags { QEMU_PLUGIN_CB_NO_REGS };
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };

void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, struct qemu_plugin_tb *tb));
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb,
	void (*cb)(unsigned int vcpu, void *udata),
	enum qemu_plugin_cb_flags flags, void *udata);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb,
	enum qemu_plugin_op op, void *ptr, uint64_t imm);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id,
	void (*cb)(qemu_plugin_id_t id, void *udata), void *udata);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *tb,
	size_t idx);
uint64_t qemu_plugin_insn_vaddr(const struct qemu_plugin_insn *insn);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct slot {
	uint64_t vaddr;
	uint64_t count;		/* instructions executed in TBs starting here */
	uint64_t start;		/* count at the first mark */
	uint64_t window;	/* count between the first and second mark */
};

#define NSLOTS (1u << 21)
static struct slot *slots;
static unsigned int nused;
static uint64_t mark;
static unsigned int marks;
static const char *out = "tbprof.txt";

static struct slot *slot_of(uint64_t vaddr)
{
	uint64_t h = vaddr * 0x9e3779b97f4a7c15ull;
	unsigned int i = h >> 43;

	for (;; i = (i + 1) & (NSLOTS - 1)) {
		if (slots[i].vaddr == vaddr)
			return &slots[i];
		if (!slots[i].vaddr) {
			if (nused >= NSLOTS / 2)
				return NULL;
			nused++;
			slots[i].vaddr = vaddr;
			return &slots[i];
		}
	}
}

static void on_mark(unsigned int vcpu, void *udata)
{
	unsigned int i;

	(void)vcpu;
	(void)udata;
	marks++;
	for (i = 0; i < NSLOTS; i++) {
		if (!slots[i].vaddr)
			continue;
		if (marks == 1)
			slots[i].start = slots[i].count;
		else if (marks == 2)
			slots[i].window = slots[i].count - slots[i].start;
	}
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	size_t n = qemu_plugin_tb_n_insns(tb);
	uint64_t va = qemu_plugin_tb_vaddr(tb);
	struct slot *s = slot_of(va ? va : 1);
	uint64_t last;

	(void)id;
	if (!n)
		return;
	if (s)
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
							 &s->count, n);
	last = qemu_plugin_insn_vaddr(qemu_plugin_tb_get_insn(tb, n - 1));
	if (mark && va <= mark && mark <= last)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
}

static void write_out(qemu_plugin_id_t id, void *udata)
{
	FILE *f = fopen(out, "w");
	unsigned int i;

	(void)id;
	(void)udata;
	if (!f) {
		perror(out);
		return;
	}
	fprintf(f, "# marks %u slots %u%s\n", marks, nused,
		nused >= NSLOTS / 2 ? " (full: counts incomplete)" : "");
	for (i = 0; i < NSLOTS; i++)
		if (slots[i].window)
			fprintf(f, "%llx %llu\n", (unsigned long long)slots[i].vaddr,
				(unsigned long long)slots[i].window);
	fclose(f);
}

__attribute__((visibility("default")))
int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
			int argc, char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 16);
		else if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else {
			fprintf(stderr, "tbprof: unknown argument %s\n", argv[i]);
			return -1;
		}
	}
	slots = calloc(NSLOTS, sizeof(*slots));
	if (!slots)
		return -1;
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, write_out, NULL);
	return 0;
}
