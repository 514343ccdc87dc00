// SPDX-License-Identifier: GPL-2.0
/*
 * vr-nlfuzz: a generic netlink fuzzer for the "vr" family.
 *
 *   vr-nlfuzz [-n COUNT] [-s SEED] [-t SECONDS] [-v] [--uid UID [--userns]]
 *             [--no-binder] [--before CMD] [--after CMD] [--cleanup]
 *             [--leave COUNT [--leave-time SECONDS]]
 *
 * Builds requests for every operation of the family from its YNL spec (the
 * tables of vr-nlfuzz-spec.h are generated from
 * Documentation/netlink/specs/vr.yaml by vr-nlfuzz-gen.py), valid ones and
 * mutated ones: attribute lengths (nla_len 0, too short, too long, odd),
 * types (0, unknown, above the maximum, NLA_F_NESTED set or missing),
 * nesting (nests for scalars, deep and empty nests), duplicated and dropped
 * attributes, strings without NUL or too long, extreme values, truncated
 * messages, wrong nlmsg_len, trailing bytes, wrong commands, versions,
 * message types and flags, several messages in one datagram. Every
 * reply is read (dumps are drained) and checked.
 *
 * Each request's outcome is predicted by a model of the kernel: the
 * netlink and genetlink core (netlink_rcv_skb, the genetlink header and
 * flag checks, strict policy validation from the spec) and the module's
 * semantics (VR ids and names, interface assignment, distributed addresses,
 * ownership entries one by one and in batches), kept in step with every
 * acknowledged change. A reply that differs from the prediction, a reply of
 * an unexpected kind, a malformed reply or notification, a dump whose
 * contents differ from the model, and a final state that differs from the
 * model are "surprising": printed, counted, and they make the exit status 1.
 *
 * Options:
 *   -n COUNT      messages to send (default 100000)
 *   -s SEED       seed of the request generator (default: from the clock);
 *                 the same seed and count send the same requests
 *   -t SECONDS    stop after this long even if COUNT is not reached
 *                 (default 0: no limit)
 *   -v            print every datagram sent (hex) and its replies
 *   --uid UID     drop to UID (and its gid, no groups) before anything else
 *   --userns      then unshare a user and a network namespace and map UID
 *                 to root there (CAP_NET_ADMIN over the new netns)
 *   --no-binder   do not run the binder: a child process binding, listening
 *                 on and connecting TCP/UDP sockets on the netns' addresses,
 *                 which makes claims on distributed addresses; the fuzzer
 *                 joins the "dhost" group and answers most claims
 *   --before CMD  run "sh -c CMD" in the namespaces, before fuzzing
 *   --after CMD   run "sh -c CMD" in the namespaces, after fuzzing and the
 *                 final check (the binder stopped)
 *   --cleanup     then (with CAP_NET_ADMIN) check that the state left can be
 *                 undone: assign every interface back to VR 0 and delete
 *                 every VR, delete every distributed address, then only VR 0
 *                 may be left (no distributed address, no ownership entry);
 *                 one line "nlfuzz-result vrs-deleted|dhost-deleted|only-vr0
 *                 ok|fail" each, and exit status 1 on a failure
 *   --leave COUNT then (with CAP_NET_ADMIN) send COUNT more messages, checked
 *                 alike, and exit leaving their state behind: with --userns,
 *                 for the exit of the netns (at most --leave-time seconds)
 *
 * The binder, and answering claims, are on when the caller has
 * CAP_NET_ADMIN over its netns (root, or --userns). Claims and their
 * answers depend on timing; the requests of the main stream do not
 * (--no-binder replays them exactly).
 *
 * Output: "# " lines (KTAP diagnostics): seed, counts of what was sent,
 * acks per errno, dumps, notifications, per-operation outcomes, and each
 * surprise with the message that caused it.
 *
 * Exit: 0, 1 if anything was surprising (or a hook failed), 2 on usage
 * error, 3 on local failure (socket, family not found, ...).
 *
 * Build: gcc -static -O2 -Wall -Wextra -I$(OUT) -o vr-nlfuzz vr-nlfuzz.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <ifaddrs.h>
#include <inttypes.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef NETLINK_ADD_MEMBERSHIP
#define NETLINK_ADD_MEMBERSHIP 1
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#ifndef NLM_F_ACK_TLVS
#define NLM_F_ACK_TLVS 0x200
#endif
/* The socket option of the data-plane patches (not in the vr uapi header). */
#ifndef SO_VR
#define SO_VR 85
#endif
/* Main table id (linux/rtnetlink.h), the FIB table of VR 0. */
#define RT_TABLE_MAIN_ID 254
/* Genetlink family ids never go above this (GENL_MAX_ID). */
#define GENL_ID_LIMIT 1023
/* Highest attribute type (NLA_TYPE_MASK as a number). */
#define TYPE_MAX 0x3fff

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* --- the spec tables (generated) ---------------------------------------- */

enum fz_kind { FZ_FLAG, FZ_U8, FZ_U16, FZ_U32, FZ_U64, FZ_UINT, FZ_STRING, FZ_BINARY, FZ_NEST };

struct fz_attr {
	const char *name;
	unsigned short type;
	enum fz_kind kind;
	unsigned char is_signed, big_endian, ipv4, has_min, has_max, multi, is_enum;
	long long min, max;
	int max_len, min_len;
	int nest;
	int enum_min, enum_max;
};

struct fz_set {
	const char *name;
	const struct fz_attr *attrs;
	int n_attrs;
	int max_type;
};

enum {
	FZ_OP_DO = 1,
	FZ_OP_DUMP = 2,
	FZ_OP_ADMIN = 4,
	FZ_OP_UNS_ADMIN = 8,
	FZ_OP_NTF = 16,
};

struct fz_op {
	const char *name;
	unsigned char cmd;
	int set;
	unsigned int flags;
	const unsigned short *do_req;
	int n_do_req;
	const unsigned short *dump_req;
	int n_dump_req;
};

#include "vr-nlfuzz-spec.h"

#define N_OPS ((int)ARRAY_SIZE(fz_ops))
#define N_SETS ((int)ARRAY_SIZE(fz_sets))

/* --- sizes ------------------------------------------------------------- */

#define ITEM_MAX 512		/* payload of one generated attribute */
#define MAX_ITEMS 320		/* attributes of one generated message */
#define MSG_MAX (MAX_ITEMS * 64)
/* Room for the entries of an owner-batch beyond batch-max (a "big" message). */
#define ITEM_SLOTS (FZ_C_BATCH_MAX + 64)
#define DGRAM_MAX 65536
#define MAX_BATCH 4
#define RBUF_MAX (1 << 20)	/* one recv */
#define ARENA_MAX (4 << 20)	/* the replies to one datagram */
#define MAX_REPLIES 16384
#define MAX_VIS 256
#define MAX_IFS 64
#define MAX_ADDRS 128
#define MAX_DHOST 1024
#define MAX_OWNERS 8192
#define MAX_PENDING 256
#define MAX_ERRNO 4096
#define SURPRISE_DETAIL 20	/* surprises printed in full */

static const char *prog = "vr-nlfuzz";

enum { EXIT_OK, EXIT_SURPRISE, EXIT_USAGE, EXIT_LOCAL };

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_LOCAL);
}

/* --- PRNG (splitmix64) ------------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rng_next(struct rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* R drives the requests, S what depends on timing (binder, answers). */
static struct rng R, S;

static uint32_t rnd(uint32_t n)
{
	return n ? rng_next(&R) % n : 0;
}

static int pct(unsigned int p)
{
	return rnd(100) < p;
}

static uint32_t srnd(uint32_t n)
{
	return n ? rng_next(&S) % n : 0;
}

/* --- errno names ------------------------------------------------------- */

static const struct {
	int err;
	const char *name;
} errnames[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" },
	{ EINTR, "EINTR" }, { EIO, "EIO" }, { ENXIO, "ENXIO" },
	{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
	{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
	{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ERANGE, "ERANGE" },
	{ EDOM, "EDOM" }, { ENOSYS, "ENOSYS" }, { EMSGSIZE, "EMSGSIZE" },
	{ EPROTO, "EPROTO" }, { EBADMSG, "EBADMSG" },
	{ EOVERFLOW, "EOVERFLOW" }, { EOPNOTSUPP, "EOPNOTSUPP" },
	{ EPROTONOSUPPORT, "EPROTONOSUPPORT" }, { ENOBUFS, "ENOBUFS" },
	{ ENOTCONN, "ENOTCONN" }, { ECONNREFUSED, "ECONNREFUSED" },
	{ ETIMEDOUT, "ETIMEDOUT" }, { EADDRINUSE, "EADDRINUSE" },
	{ EADDRNOTAVAIL, "EADDRNOTAVAIL" }, { EAFNOSUPPORT, "EAFNOSUPPORT" },
	{ ENAMETOOLONG, "ENAMETOOLONG" }, { ENOTSUP, "ENOTSUP" },
};

static const char *errname(int e)
{
	static char buf[4][16];
	static int k;
	size_t i;

	if (e == 0)
		return "0";
	for (i = 0; i < ARRAY_SIZE(errnames); i++)
		if (errnames[i].err == e)
			return errnames[i].name;
	k = (k + 1) % 4;
	snprintf(buf[k], sizeof(buf[k]), "E%d", e);
	return buf[k];
}

/* --- options and run state --------------------------------------------- */

static unsigned long n_msgs = 100000;
static uint64_t seed;
static double time_limit;
static int verbose;
static long opt_uid = -1;
static int opt_userns;
static int opt_no_binder;
static int opt_cleanup;
static unsigned long opt_leave;
static double opt_leave_time;
static const char *hook_before, *hook_after;

/* The caller has CAP_NET_ADMIN over its network namespace. */
static int admin;
static int binder_on;
static pid_t binder_pid[2];

#define N_GRPS ((int)ARRAY_SIZE(fz_mcgrps))

static uint16_t family_id;
static uint32_t grp_ids[N_GRPS];
static uint32_t grp_monitor, grp_dhost;
/* net.vr.max_vrs: how many VRs besides VR 0 the netns may have. */
static long max_vrs = LONG_MAX;
/* net.vr.dhost_max_entries: how many ports and connections (at most owner-max). */
static long max_entries = FZ_C_OWNER_MAX;

/* Sockets: requests, the monitor group, the dhost group, claim answers. */
static int fd_main = -1, fd_mon = -1, fd_dh = -1, fd_ans = -1;

/* --- counters ----------------------------------------------------------- */

static unsigned long st_msgs, st_dgrams, st_bytes, st_batched, st_clean;
static unsigned long st_acks[MAX_ERRNO], st_done[MAX_ERRNO];
static unsigned long st_entries, st_get_replies, st_noreply, st_reopen;
static unsigned long st_op_err[256][MAX_ERRNO], st_op_noreply[256], st_op_dump[256];
static unsigned long st_predicted, st_resync, st_foreign;
static unsigned long st_mon, st_mon_lost, st_dh, st_dh_lost, st_dh_events[8];
static unsigned long st_claims, st_answers, st_answer_err[MAX_ERRNO];
static unsigned long st_surprises;
static unsigned long cur_msg;	/* index of the first message of the datagram */

/* --- the netns: interfaces and addresses -------------------------------- */

struct iface {
	int ifindex;
	char name[IF_NAMESIZE];
	uint16_t vr;		/* model: the VR it is assigned to */
};

struct ifaddr4 {
	int ifindex;
	uint32_t addr;		/* network order, as netlink carries it */
};

static struct iface ifs[MAX_IFS];
static int n_ifs;
static struct ifaddr4 addrs[MAX_ADDRS];
static int n_addrs;

static struct iface *iface_by_index(uint32_t ifindex)
{
	int i;

	for (i = 0; i < n_ifs; i++)
		if ((uint32_t)ifs[i].ifindex == ifindex)
			return &ifs[i];
	return NULL;
}

static int has_addr(uint32_t ifindex, uint32_t addr)
{
	int i;

	for (i = 0; i < n_addrs; i++)
		if ((uint32_t)addrs[i].ifindex == ifindex && addrs[i].addr == addr)
			return 1;
	return 0;
}

static int v4mapped(const unsigned char *a6)
{
	static const unsigned char pfx[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(a6, pfx, sizeof(pfx));
}

static int unspecified6(const unsigned char *a6)
{
	static const unsigned char zero[16];

	return !memcmp(a6, zero, sizeof(zero));
}

/* A global or unique-local unicast address: what dhost-set takes. */
static int distributable6(const unsigned char *a6)
{
	static const unsigned char lo[16] = { [15] = 1 };

	return a6[0] != 0xff && !unspecified6(a6) && memcmp(a6, lo, 16) &&
	       !(a6[0] == 0xfe && (a6[1] & 0xc0) == 0x80);
}

static void read_netns(void)
{
	struct if_nameindex *ni, *p;
	struct ifaddrs *ifa, *a;

	ni = if_nameindex();
	if (!ni)
		die("if_nameindex: %s", strerror(errno));
	for (p = ni; p->if_index && n_ifs < MAX_IFS; p++) {
		ifs[n_ifs].ifindex = p->if_index;
		snprintf(ifs[n_ifs].name, sizeof(ifs[n_ifs].name), "%s", p->if_name);
		n_ifs++;
	}
	if_freenameindex(ni);
	if (getifaddrs(&ifa))
		die("getifaddrs: %s", strerror(errno));
	for (a = ifa; a && n_addrs < MAX_ADDRS; a = a->ifa_next) {
		unsigned int idx;

		if (a->ifa_addr && a->ifa_addr->sa_family == AF_INET6) {
			const unsigned char *a6 =
				((struct sockaddr_in6 *)a->ifa_addr)->sin6_addr.s6_addr;

			/* the model knows no distributed IPv6 address */
			if (distributable6(a6))
				die("%s has an IPv6 address dhost-set would take", a->ifa_name);
			continue;
		}
		if (!a->ifa_addr || a->ifa_addr->sa_family != AF_INET)
			continue;
		idx = if_nametoindex(a->ifa_name);
		if (!idx)
			continue;
		addrs[n_addrs].ifindex = idx;
		addrs[n_addrs].addr = ((struct sockaddr_in *)a->ifa_addr)->sin_addr.s_addr;
		n_addrs++;
	}
	freeifaddrs(ifa);
}

/* --- the spec, as the model needs it ------------------------------------ */

static const struct fz_op *op_by_name(const char *name)
{
	int i;

	for (i = 0; i < N_OPS; i++)
		if (!strcmp(fz_ops[i].name, name))
			return &fz_ops[i];
	die("the spec has no operation \"%s\": update vr-nlfuzz's model", name);
}

static const struct fz_op *op_by_cmd(unsigned int cmd, unsigned int cap)
{
	int i;

	for (i = 0; i < N_OPS; i++)
		if (fz_ops[i].cmd == cmd && (fz_ops[i].flags & cap))
			return &fz_ops[i];
	return NULL;
}

static int set_by_name(const char *name)
{
	int i;

	for (i = 0; i < N_SETS; i++)
		if (!strcmp(fz_sets[i].name, name))
			return i;
	die("the spec has no attribute set \"%s\": update vr-nlfuzz's model", name);
}

static const struct fz_attr *attr_of(int set, unsigned int type)
{
	int i;

	if (set < 0)
		return NULL;
	for (i = 0; i < fz_sets[set].n_attrs; i++)
		if (fz_sets[set].attrs[i].type == type)
			return &fz_sets[set].attrs[i];
	return NULL;
}

static unsigned int attr_type(int set, const char *name)
{
	int i;

	for (i = 0; i < fz_sets[set].n_attrs; i++)
		if (!strcmp(fz_sets[set].attrs[i].name, name))
			return fz_sets[set].attrs[i].type;
	die("the spec has no attribute \"%s\" in set \"%s\": update vr-nlfuzz's model",
	    name, fz_sets[set].name);
}

/* What the model knows the operations and attributes as. */
static const struct fz_op *O_CREATE, *O_DELETE, *O_GET, *O_ASSIGN, *O_DSET,
	*O_DDEL, *O_DGET, *O_OSET, *O_ODEL, *O_OGET, *O_CLAIM, *O_CREATE_NTF,
	*O_DELETE_NTF, *O_CHANGE_NTF, *O_OBATCH;
static int SET_VR, SET_IFACE, SET_STATS, SET_DHOST, SET_OWNER, SET_SOCK, SET_OENTRY,
	SET_OBATCH;
static unsigned int A_ID, A_NAME, A_TABLE, A_IFINDEX, A_IFACE, A_STATS,
	A_ST_RX, A_ST_TX, A_ST_FWD, A_ST_DROP, A_IF_IFINDEX,
	A_IF_NAME, A_D_ADDR, A_D_VR, A_D_IFINDEX, A_D_MEMBER, A_D_LEAD,
	A_O_ADDR, A_O_VR, A_O_PROTO, A_O_PORT, A_O_PORT_LAST, A_O_REMOTE,
	A_O_REMOTE_PORT, A_O_MEMBER, A_S_EVENT, A_S_COOKIE, A_S_ERRNO,
	A_D_ADDR6, A_O_ADDR6, A_O_REMOTE6, A_B_SET, A_B_DEL, A_B_MISSING_OK;

static void resolve_spec(void)
{
	O_CREATE = op_by_name("create");
	O_DELETE = op_by_name("delete");
	O_GET = op_by_name("get");
	O_ASSIGN = op_by_name("assign");
	O_DSET = op_by_name("dhost-set");
	O_DDEL = op_by_name("dhost-del");
	O_DGET = op_by_name("dhost-get");
	O_OSET = op_by_name("owner-set");
	O_ODEL = op_by_name("owner-del");
	O_OGET = op_by_name("owner-get");
	O_CLAIM = op_by_name("claim-answer");
	O_CREATE_NTF = op_by_name("create-ntf");
	O_DELETE_NTF = op_by_name("delete-ntf");
	O_CHANGE_NTF = op_by_name("change-ntf");
	O_OBATCH = op_by_name("owner-batch");
	SET_VR = set_by_name("vr");
	SET_IFACE = set_by_name("iface");
	SET_STATS = set_by_name("stats");
	SET_DHOST = set_by_name("dhost");
	SET_OWNER = set_by_name("owner");
	SET_SOCK = set_by_name("sock");
	SET_OENTRY = set_by_name("owner-entry");
	SET_OBATCH = set_by_name("owner-batch");
	A_ID = attr_type(SET_VR, "id");
	A_NAME = attr_type(SET_VR, "name");
	A_TABLE = attr_type(SET_VR, "table");
	A_IFINDEX = attr_type(SET_VR, "ifindex");
	A_IFACE = attr_type(SET_VR, "iface");
	A_STATS = attr_type(SET_VR, "stats");
	A_ST_RX = attr_type(SET_STATS, "rx-packets");
	A_ST_TX = attr_type(SET_STATS, "tx-packets");
	A_ST_FWD = attr_type(SET_STATS, "fwd-packets");
	A_ST_DROP = attr_type(SET_STATS, "drop-packets");
	A_IF_IFINDEX = attr_type(SET_IFACE, "ifindex");
	A_IF_NAME = attr_type(SET_IFACE, "name");
	A_D_ADDR = attr_type(SET_DHOST, "addr");
	A_D_VR = attr_type(SET_DHOST, "vr");
	A_D_IFINDEX = attr_type(SET_DHOST, "ifindex");
	A_D_MEMBER = attr_type(SET_DHOST, "member");
	A_D_LEAD = attr_type(SET_DHOST, "lead");
	A_D_ADDR6 = attr_type(SET_DHOST, "addr6");
	A_O_ADDR = attr_type(SET_OWNER, "addr");
	A_O_VR = attr_type(SET_OWNER, "vr");
	A_O_PROTO = attr_type(SET_OWNER, "proto");
	A_O_PORT = attr_type(SET_OWNER, "port");
	A_O_PORT_LAST = attr_type(SET_OWNER, "port-last");
	A_O_REMOTE = attr_type(SET_OWNER, "remote");
	A_O_REMOTE_PORT = attr_type(SET_OWNER, "remote-port");
	A_O_MEMBER = attr_type(SET_OWNER, "member");
	A_O_ADDR6 = attr_type(SET_OWNER, "addr6");
	A_O_REMOTE6 = attr_type(SET_OWNER, "remote6");
	A_S_EVENT = attr_type(SET_SOCK, "event");
	A_S_COOKIE = attr_type(SET_SOCK, "cookie");
	A_S_ERRNO = attr_type(SET_SOCK, "errno");
	A_B_SET = attr_type(SET_OBATCH, "set");
	A_B_DEL = attr_type(SET_OBATCH, "del");
	A_B_MISSING_OK = attr_type(SET_OBATCH, "missing-ok");
	/* An owner-batch entry is read as owner-set's attributes (the A_O_ types). */
	for (int i = 0; i < fz_sets[SET_OENTRY].n_attrs; i++) {
		const struct fz_attr *a = &fz_sets[SET_OENTRY].attrs[i];

		if (a->type != attr_type(SET_OWNER, a->name))
			die("spec: owner-entry's \"%s\" is not owner's: update vr-nlfuzz's model",
			    a->name);
	}
	if (attr_of(SET_OBATCH, A_B_SET)->nest != SET_OENTRY ||
	    attr_of(SET_OBATCH, A_B_DEL)->nest != SET_OENTRY)
		die("spec: owner-batch's entries are not owner-entry nests: update vr-nlfuzz's "
		    "model");
}

/* --- policies (what the YNL generator makes of the spec) ---------------- */

enum pol_kind { P_UNSPEC, P_FLAG, P_U8, P_U16, P_U32, P_U64, P_UINT, P_BE32, P_NUL_STRING,
		P_BINARY, P_NESTED };

struct policy;

struct pol_entry {
	enum pol_kind kind;
	int has_range;
	uint64_t min, max;
	int len;
	const struct policy *nested;	/* P_NESTED: NLA_POLICY_NESTED(its set's policy) */
};

struct policy {
	int maxtype;
	int has_nest;
	int unknown_nest;	/* a nest whose contents are not validated by the model */
	struct pol_entry t[64];
};

/* The policies of do and dump requests, by command (a dump: NULL if none). */
static struct policy pol_do[256], pol_dump_tab[256];
static const struct policy *pol_dump[256];

static const struct policy *set_policy(int set);

/*
 * The policy YNL generates for the request attributes req of an operation
 * (what: its name) or for a nested attribute set, all of whose attributes
 * its NLA_POLICY_NESTED() policy has.
 */
static void build_policy(struct policy *p, int set, const char *what,
			 const unsigned short *req, int n_req)
{
	int j;

	for (j = 0; j < n_req; j++) {
		const struct fz_attr *a = attr_of(set, req[j]);
		struct pol_entry *e;

		if (!a || a->type >= 64)
			die("spec: bad request attribute of %s", what);
		e = &p->t[a->type];
		if (a->type > p->maxtype)
			p->maxtype = a->type;
		switch (a->kind) {
		case FZ_FLAG:
			e->kind = P_FLAG;
			break;
		case FZ_U8:
			e->kind = P_U8;
			break;
		case FZ_U16:
			e->kind = P_U16;
			break;
		case FZ_U32:
			e->kind = a->big_endian ? P_BE32 : P_U32;
			break;
		case FZ_U64:
			e->kind = P_U64;
			break;
		case FZ_UINT:
			e->kind = P_UINT;
			break;
		case FZ_STRING:
			e->kind = P_NUL_STRING;
			e->len = a->max_len;
			break;
		case FZ_BINARY:
			e->kind = P_BINARY;
			e->len = a->max_len;
			e->min = a->min_len;
			break;
		case FZ_NEST:
			e->kind = P_NESTED;
			p->has_nest = 1;
			if (a->nest >= 0 && a->nest < N_SETS)
				e->nested = set_policy(a->nest);
			else
				p->unknown_nest = 1;
			break;
		}
		if ((a->has_min || a->has_max) && e->kind != P_BE32 &&
		    e->kind != P_NUL_STRING && e->kind != P_BINARY) {
			e->has_range = 1;
			e->min = a->has_min ? (uint64_t)a->min : 0;
			e->max = a->has_max ? (uint64_t)a->max :
				 e->kind == P_U8 ? 0xff : e->kind == P_U16 ? 0xffff :
				 e->kind == P_U32 ? 0xffffffffULL : UINT64_MAX;
		}
	}
}

/* The policy of nested attribute set `set` (built once). */
static const struct policy *set_policy(int set)
{
	static struct policy pol_set[N_SETS];
	static unsigned char built[N_SETS];
	unsigned short types[64];
	int i, n = 0;

	if (built[set])
		return &pol_set[set];
	/* Before building: a set nested in itself refers to this policy. */
	built[set] = 1;
	for (i = 0; i < fz_sets[set].n_attrs && n < 64; i++)
		types[n++] = fz_sets[set].attrs[i].type;
	build_policy(&pol_set[set], set, fz_sets[set].name, types, n);
	return &pol_set[set];
}

static void build_policies(void)
{
	int i;

	for (i = 0; i < N_OPS; i++) {
		const struct fz_op *op = &fz_ops[i];

		if (op->flags & FZ_OP_DO)
			build_policy(&pol_do[op->cmd], op->set, op->name, op->do_req,
				     op->n_do_req);
		/* A dump without request attributes: genetlink's reject-all policy. */
		if ((op->flags & FZ_OP_DUMP) && op->n_dump_req) {
			build_policy(&pol_dump_tab[op->cmd], op->set, op->name, op->dump_req,
				     op->n_dump_req);
			pol_dump[op->cmd] = &pol_dump_tab[op->cmd];
		}
	}
}

/* The attributes of a request after policy validation (last one wins). */
struct tb {
	const unsigned char *p[64];
	int len[64];
};

static int tb_has(const struct tb *tb, unsigned int type)
{
	return type < 64 && tb->p[type];
}

static uint32_t tb_u32(const struct tb *tb, unsigned int type)
{
	uint32_t v;

	memcpy(&v, tb->p[type], 4);
	return v;
}

/* MAX_POLICY_RECURSION_DEPTH of lib/nlattr.c. */
#define POLICY_DEPTH_MAX 10

/*
 * __nla_validate_parse() with NL_VALIDATE_STRICT: 0 or the negative errno.
 * A NULL policy is genetlink's reject-all policy (maxtype 0). Every
 * attribute is validated, also those of a type that comes again later; a
 * nest with a nested policy is validated against it where it comes (depth:
 * of the nest, 0 at the top).
 */
static int strict_parse_depth(const unsigned char *p, int len, const struct policy *pol,
			      struct tb *tb, int depth)
{
	int maxtype = pol ? pol->maxtype : 0;
	int rem = len;

	memset(tb, 0, sizeof(*tb));
	if (depth >= POLICY_DEPTH_MAX)
		return -EINVAL;
	while (rem >= NLA_HDRLEN) {
		struct nlattr nla;
		int type, alen;
		const struct pol_entry *e;
		const unsigned char *d;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > rem)
			break;
		type = nla.nla_type & NLA_TYPE_MASK;
		alen = nla.nla_len - NLA_HDRLEN;
		d = p + NLA_HDRLEN;
		if (type == 0 || type > maxtype)
			return -EINVAL;
		e = &pol->t[type];
		switch (e->kind) {
		case P_U8:
			if (alen != 1)
				return -EINVAL;
			break;
		case P_U16:
			if (alen != 2)
				return -EINVAL;
			break;
		case P_U32:
		case P_BE32:
			if (alen != 4)
				return -EINVAL;
			break;
		case P_U64:
			if (alen != 8)
				return -EINVAL;
			break;
		default:
			break;
		}
		/* NLA_UINT: 4 or 8 bytes, checked after the flags. */
		if (e->kind != P_NESTED && e->kind != P_UNSPEC &&
		    (nla.nla_type & NLA_F_NESTED))
			return -EINVAL;
		if (e->kind == P_NESTED && !(nla.nla_type & NLA_F_NESTED))
			return -EINVAL;
		switch (e->kind) {
		case P_UNSPEC:
			return -EINVAL;
		case P_FLAG:
			if (alen > 0)
				return -ERANGE;
			break;
		case P_NUL_STRING: {
			int minlen = e->len ? (alen < e->len + 1 ? alen : e->len + 1) : alen;

			if (!minlen || !memchr(d, 0, minlen))
				return -EINVAL;
			if (e->len) {
				int l = alen;

				if (d[l - 1] == 0)
					l--;
				if (l > e->len)
					return -ERANGE;
			}
			break;
		}
		case P_BINARY:
			/* NLA_POLICY_EXACT_LEN is a range of lengths */
			if ((e->len && alen > e->len) || alen < (int)e->min)
				return -ERANGE;
			break;
		case P_NESTED:
			if (alen && alen < NLA_HDRLEN)
				return -ERANGE;
			if (alen && e->nested) {
				struct tb sub;
				int err = strict_parse_depth(d, alen, e->nested, &sub, depth + 1);

				if (err)
					return err;
			}
			break;
		case P_UINT:
			if (alen != 4 && alen != 8)
				return -EINVAL;
			break;
		default:
			break;
		}
		if (e->has_range) {
			uint64_t v = 0;

			switch (e->kind) {
			case P_U8:
				v = d[0];
				break;
			case P_U16: {
				uint16_t x;

				memcpy(&x, d, 2);
				v = x;
				break;
			}
			case P_U32: {
				uint32_t x;

				memcpy(&x, d, 4);
				v = x;
				break;
			}
			case P_U64:
				memcpy(&v, d, 8);
				break;
			case P_UINT:
				if (alen == 4) {
					uint32_t x;

					memcpy(&x, d, 4);
					v = x;
				} else {
					memcpy(&v, d, 8);
				}
				break;
			default:
				break;
			}
			if (v < e->min || v > e->max)
				return -ERANGE;
		}
		if (type < 64) {
			tb->p[type] = d;
			tb->len[type] = alen;
		}
		rem -= NLA_ALIGN(nla.nla_len);
		p += NLA_ALIGN(nla.nla_len);
	}
	if (rem > 0)
		return -EINVAL;
	return 0;
}

static int strict_parse(const unsigned char *p, int len, const struct policy *pol,
			struct tb *tb)
{
	return strict_parse_depth(p, len, pol, tb, 0);
}

/* --- the model of the kernel's state ------------------------------------ */

struct dhost_entry {
	uint16_t vr;
	uint32_t addr;
	int ifindex;
	uint32_t member, lead;
};

struct owner_key {
	uint16_t vr;
	uint32_t addr;
	uint8_t proto;
	uint16_t port, port_last;
	uint32_t remote;
	uint16_t remote_port;
};

struct owner_entry {
	struct owner_key k;
	uint32_t member;
};

static uint8_t vr_exists[65536];
static char vr_name[65536][FZ_C_NAME_MAX_LEN + 1];
static uint16_t vr_ids[65536];	/* the existing ones, in no order */
static int n_vrs;
static struct dhost_entry dhosts[MAX_DHOST];
static int n_dhosts;
static struct owner_entry owners[MAX_OWNERS];
static int n_owners;

/* Is an address of interface @ifindex distributed? */
static int dhost_on_ifindex(int ifindex)
{
	int i;

	for (i = 0; i < n_dhosts; i++)
		if ((int)dhosts[i].ifindex == ifindex)
			return 1;
	return 0;
}

/* Claims seen on the dhost group and not over yet. */
struct pending {
	uint32_t cookie;
	double since;
	int answered;
};

static struct pending pending[MAX_PENDING];
static int n_pending;
static uint32_t max_cookie_seen;
static int dh_lost;		/* a notification of the dhost group was lost */

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int name_in_use(const char *name)
{
	int i;

	for (i = 0; i < n_vrs; i++)
		if (!strcmp(vr_name[vr_ids[i]], name))
			return 1;
	return 0;
}

static void vr_add(uint16_t id, const char *name)
{
	vr_exists[id] = 1;
	snprintf(vr_name[id], sizeof(vr_name[id]), "%.*s", FZ_C_NAME_MAX_LEN, name);
	vr_ids[n_vrs++] = id;
}

static void vr_del(uint16_t id)
{
	int i;

	vr_exists[id] = 0;
	for (i = 0; i < n_vrs; i++) {
		if (vr_ids[i] == id) {
			vr_ids[i] = vr_ids[--n_vrs];
			break;
		}
	}
}

static int vr_has_ifaces(uint16_t id)
{
	int i;

	for (i = 0; i < n_ifs; i++)
		if (ifs[i].vr == id)
			return 1;
	return 0;
}

static struct dhost_entry *dhost_find(uint16_t vr, uint32_t addr)
{
	int i;

	for (i = 0; i < n_dhosts; i++)
		if (dhosts[i].vr == vr && dhosts[i].addr == addr)
			return &dhosts[i];
	return NULL;
}

static int key_eq(const struct owner_key *a, const struct owner_key *b)
{
	return a->vr == b->vr && a->addr == b->addr && a->proto == b->proto &&
	       a->port == b->port && a->port_last == b->port_last &&
	       a->remote == b->remote && a->remote_port == b->remote_port;
}

/* An order of keys (for qsort()). */
static int owner_key_cmp(const void *pa, const void *pb)
{
	const struct owner_key *a = pa, *b = pb;

	if (a->vr != b->vr)
		return a->vr < b->vr ? -1 : 1;
	if (a->addr != b->addr)
		return a->addr < b->addr ? -1 : 1;
	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->port_last != b->port_last)
		return a->port_last < b->port_last ? -1 : 1;
	if (a->remote != b->remote)
		return a->remote < b->remote ? -1 : 1;
	if (a->remote_port != b->remote_port)
		return a->remote_port < b->remote_port ? -1 : 1;
	return 0;
}

static int owner_entry_cmp(const void *pa, const void *pb)
{
	const struct owner_entry *a = pa, *b = pb;

	return owner_key_cmp(&a->k, &b->k);
}

static struct owner_entry *owner_find(const struct owner_key *k)
{
	int i;

	for (i = 0; i < n_owners; i++)
		if (key_eq(&owners[i].k, k))
			return &owners[i];
	return NULL;
}

static void model_reset(void)
{
	int i;

	memset(vr_exists, 0, sizeof(vr_exists));
	n_vrs = 0;
	n_dhosts = 0;
	n_owners = 0;
	for (i = 0; i < n_ifs; i++)
		ifs[i].vr = 0;
}

/* --- surprises ------------------------------------------------------------ */

static void hexdump(const char *what, const unsigned char *p, size_t len)
{
	size_t i;

	printf("#   %s (%zu bytes):", what, len);
	for (i = 0; i < len && i < 512; i++) {
		if (i % 32 == 0)
			printf("\n#     ");
		printf("%02x", p[i]);
	}
	if (len > 512)
		printf(" ...");
	printf("\n");
}

/* The datagram being checked, for the report of a surprise. */
static const unsigned char *cur_dgram;
static size_t cur_dlen;

static void __attribute__((format(printf, 1, 2))) surprise(const char *fmt, ...)
{
	va_list ap;

	st_surprises++;
	if (st_surprises > SURPRISE_DETAIL) {
		if (st_surprises == SURPRISE_DETAIL + 1)
			printf("# (further surprises only counted)\n");
		return;
	}
	printf("# SURPRISE %lu (datagram with message %lu, seed 0x%" PRIx64 "): ",
	       st_surprises, cur_msg, seed);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (cur_dgram)
		hexdump("datagram", cur_dgram, cur_dlen);
	fflush(stdout);
}

/* --- netlink plumbing --------------------------------------------------- */

static int nl_open(int ext_ack, int cap_ack, int strict)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd, rcv = RBUF_MAX;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (fd < 0)
		die("socket(AF_NETLINK, NETLINK_GENERIC): %s", strerror(errno));
	/* Best effort: root may exceed rmem_max. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof(rcv)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (ext_ack && setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &ext_ack, sizeof(ext_ack)))
		die("setsockopt(NETLINK_EXT_ACK): %s", strerror(errno));
	if (cap_ack && setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &cap_ack, sizeof(cap_ack)))
		die("setsockopt(NETLINK_CAP_ACK): %s", strerror(errno));
	if (strict && setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &strict, sizeof(strict)))
		die("setsockopt(NETLINK_GET_STRICT_CHK): %s", strerror(errno));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)))
		die("bind(AF_NETLINK): %s", strerror(errno));
	return fd;
}

static void nl_send(int fd, const void *buf, size_t len)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	ssize_t n;

	do {
		n = sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof(sa));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		die("sendto: %s", strerror(errno));
	if ((size_t)n != len)
		die("sendto: short write (%zd of %zu)", n, len);
}

static unsigned char rbuf[RBUF_MAX];

/*
 * One recv: the number of bytes, 0 when nothing is queued (or, with wait,
 * after the socket's timeout), -ENOBUFS when messages were lost.
 */
static ssize_t nl_recv(int fd, int wait)
{
	ssize_t n;

	for (;;) {
		n = recv(fd, rbuf, sizeof(rbuf), (wait ? 0 : MSG_DONTWAIT) | MSG_TRUNC);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		if (errno == ENOBUFS)
			return -ENOBUFS;
		die("recv: %s", strerror(errno));
	}
	if ((size_t)n > sizeof(rbuf))
		die("recv: a message of %zd bytes", n);
	return n;
}

/* A message under construction (for the controller and model syncs). */
struct buf {
	unsigned char b[4096];
	size_t len;
};

static void buf_init(struct buf *m, uint16_t type, uint16_t flags, uint8_t cmd,
		     uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)m->b;
	struct genlmsghdr *g = (struct genlmsghdr *)(m->b + NLMSG_HDRLEN);

	memset(m->b, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	nlh->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
	nlh->nlmsg_len = m->len;
}

static void buf_put(struct buf *m, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	if (m->len + NLA_ALIGN(NLA_HDRLEN + len) > sizeof(m->b))
		die("internal: message too long");
	memcpy(m->b + m->len, &nla, sizeof(nla));
	memcpy(m->b + m->len + NLA_HDRLEN, data, len);
	memset(m->b + m->len + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	m->len += NLA_ALIGN(NLA_HDRLEN + len);
	((struct nlmsghdr *)m->b)->nlmsg_len = m->len;
}

/* Calls fn for each attribute in p..p+len; stops at a malformed one (returns -1). */
static int for_attrs(const unsigned char *p, size_t len,
		     int (*fn)(uint16_t type, const unsigned char *d, size_t dlen, void *arg),
		     void *arg)
{
	while (len >= NLA_HDRLEN) {
		struct nlattr nla;

		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return -1;
		if (fn(nla.nla_type, p + NLA_HDRLEN, nla.nla_len - NLA_HDRLEN, arg))
			return 1;
		if ((size_t)NLA_ALIGN(nla.nla_len) >= len)
			return 0;
		p += NLA_ALIGN(nla.nla_len);
		len -= NLA_ALIGN(nla.nla_len);
	}
	return len ? -1 : 0;
}

/* --- resolving the family ----------------------------------------------- */

struct ctrl_info {
	uint16_t id;
	char grp_name[32];
	uint32_t grp_id;
};

static int ctrl_grp_attr(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct ctrl_info *ci = arg;

	type &= NLA_TYPE_MASK;
	if (type == CTRL_ATTR_MCAST_GRP_NAME && len > 0)
		snprintf(ci->grp_name, sizeof(ci->grp_name), "%.*s", (int)len, (const char *)d);
	if (type == CTRL_ATTR_MCAST_GRP_ID && len == 4)
		memcpy(&ci->grp_id, d, 4);
	return 0;
}

static int ctrl_grp(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct ctrl_info ci = { 0 };
	int i;

	(void)type;
	(void)arg;
	for_attrs(d, len, ctrl_grp_attr, &ci);
	for (i = 0; i < N_GRPS; i++)
		if (!strcmp(ci.grp_name, fz_mcgrps[i]))
			grp_ids[i] = ci.grp_id;
	return 0;
}

static int ctrl_attr(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct ctrl_info *ci = arg;

	type &= NLA_TYPE_MASK;
	if (type == CTRL_ATTR_FAMILY_ID && len == 2)
		memcpy(&ci->id, d, 2);
	if (type == CTRL_ATTR_MCAST_GROUPS)
		for_attrs(d, len, ctrl_grp, NULL);
	return 0;
}

static void resolve_family(int fd)
{
	struct buf m;
	struct ctrl_info ci = { 0 };
	int done = 0, err = 0;

	buf_init(&m, GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, CTRL_CMD_GETFAMILY, 1);
	buf_put(&m, CTRL_ATTR_FAMILY_NAME, FZ_FAMILY_NAME, strlen(FZ_FAMILY_NAME) + 1);
	nl_send(fd, m.b, m.len);
	while (!done) {
		ssize_t n = nl_recv(fd, 1);
		struct nlmsghdr *nlh;
		size_t len;

		if (n <= 0)
			die("no answer from the genetlink controller");
		len = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != 1)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				err = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
				done = 1;
			} else if (nlh->nlmsg_type == GENL_ID_CTRL &&
				   nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN)) {
				for_attrs((unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
					  nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN),
					  ctrl_attr, &ci);
			}
		}
	}
	if (err)
		die("resolving family \"%s\": %s", FZ_FAMILY_NAME, strerror(err));
	if (!ci.id)
		die("resolving family \"%s\": no id in the reply", FZ_FAMILY_NAME);
	family_id = ci.id;
	for (int i = 0; i < N_GRPS; i++) {
		if (!grp_ids[i])
			die("family \"%s\" has no multicast group \"%s\"", FZ_FAMILY_NAME,
			    fz_mcgrps[i]);
		if (!strcmp(fz_mcgrps[i], "monitor"))
			grp_monitor = grp_ids[i];
		if (!strcmp(fz_mcgrps[i], "dhost"))
			grp_dhost = grp_ids[i];
	}
}

/* Who may join which group: everyone, or CAP_NET_ADMIN over the netns. */
static void check_groups(void)
{
	int i;

	for (i = 0; i < N_GRPS; i++) {
		int fd = nl_open(0, 0, 0), ok = admin || !fz_mcgrp_admin[i], rc;

		rc = setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp_ids[i],
				sizeof(grp_ids[i]));
		printf("# joining group \"%s\": %s (expected: %s)\n", fz_mcgrps[i],
		       rc ? errname(errno) : "ok", ok ? "ok" : "EPERM");
		if (ok != !rc || (rc && errno != EPERM))
			surprise("joining group \"%s\": %s", fz_mcgrps[i],
				 rc ? errname(errno) : "allowed");
		close(fd);
	}
}

/* read_sysctl NAME DFLT: the value of net.vr.NAME, DFLT if unreadable. */
static long read_sysctl(const char *name, long dflt)
{
	char path[64];
	long v = dflt;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sys/net/vr/%s", name);
	f = fopen(path, "r");
	if (!f)
		return dflt;
	if (fscanf(f, "%ld", &v) != 1)
		v = dflt;
	fclose(f);
	return v;
}

static void read_limits(void)
{
	max_vrs = read_sysctl("max_vrs", LONG_MAX);
	max_entries = read_sysctl("dhost_max_entries", FZ_C_OWNER_MAX);
	if (max_entries > FZ_C_OWNER_MAX)
		max_entries = FZ_C_OWNER_MAX;
}

/* --- model sync: read the state with dumps ------------------------------ */

struct vr_entry {
	int ok;
	uint32_t id, table;
	int has_id, has_table, has_name;
	char name[64];
	int n_ifaces;
	uint32_t ifindex[MAX_IFS];
	int has_stats;
	const char *bad;
};

/* A counter of the stats nest: an NLA_UINT (4 or 8 bytes), each at most once. */
static int vr_stats_attr(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct vr_entry *e = arg;

	(void)d;
	type &= NLA_TYPE_MASK;
	if (type != A_ST_RX && type != A_ST_TX && type != A_ST_FWD &&
	    type != A_ST_DROP) {
		e->bad = "unknown attribute in a stats nest";
		return 1;
	}
	if (len != 4 && len != 8) {
		e->bad = "a counter is not a uint (4 or 8 bytes)";
		return 1;
	}
	return 0;
}

static int vr_iface_attr(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct vr_entry *e = arg;

	type &= NLA_TYPE_MASK;
	if (type == A_IF_IFINDEX) {
		if (len != 4) {
			e->bad = "iface ifindex is not a u32";
			return 1;
		}
		if (e->n_ifaces < MAX_IFS)
			memcpy(&e->ifindex[e->n_ifaces], d, 4);
		e->n_ifaces++;
	} else if (type == A_IF_NAME) {
		if (!len || d[len - 1] || strlen((const char *)d) >= IF_NAMESIZE) {
			e->bad = "iface name is not a NUL-terminated interface name";
			return 1;
		}
	} else {
		e->bad = "unknown attribute in an iface nest";
		return 1;
	}
	return 0;
}

static int vr_attr(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct vr_entry *e = arg;
	uint16_t t = type & NLA_TYPE_MASK;

	if (t == A_ID || t == A_TABLE) {
		if (len != 4) {
			e->bad = "id or table is not a u32";
			return 1;
		}
		if (t == A_ID) {
			memcpy(&e->id, d, 4);
			e->has_id++;
		} else {
			memcpy(&e->table, d, 4);
			e->has_table++;
		}
	} else if (t == A_NAME) {
		if (!len || d[len - 1] || len - 1 > FZ_C_NAME_MAX_LEN ||
		    strlen((const char *)d) != len - 1) {
			e->bad = "name is not a NUL-terminated string of at most "
				 "name-max-len bytes";
			return 1;
		}
		memcpy(e->name, d, len);
		e->has_name++;
	} else if (t == A_IFACE) {
		int before = e->n_ifaces;

		if (!(type & NLA_F_NESTED)) {
			e->bad = "iface without NLA_F_NESTED";
			return 1;
		}
		if (for_attrs(d, len, vr_iface_attr, e) < 0 && !e->bad)
			e->bad = "malformed iface nest";
		if (!e->bad && e->n_ifaces != before + 1)
			e->bad = "iface nest without exactly one ifindex";
		if (e->bad)
			return 1;
	} else if (t == A_STATS) {
		if (!(type & NLA_F_NESTED) || e->has_stats++) {
			e->bad = "stats without NLA_F_NESTED, or twice";
			return 1;
		}
		if (for_attrs(d, len, vr_stats_attr, e) < 0 && !e->bad)
			e->bad = "malformed stats nest";
		if (e->bad)
			return 1;
	} else {
		e->bad = "unknown attribute in a VR";
		return 1;
	}
	return 0;
}

/* Parses a VR (get reply, dump entry, notification). */
static void parse_vr(const unsigned char *p, size_t len, struct vr_entry *e)
{
	memset(e, 0, sizeof(*e));
	if (for_attrs(p, len, vr_attr, e) < 0 && !e->bad)
		e->bad = "malformed attributes";
	if (!e->bad && (e->has_id != 1 || e->has_table != 1 || e->has_name > 1))
		e->bad = "not exactly one id and one table, or several names";
	if (!e->bad && e->id > FZ_C_ID_MAX)
		e->bad = "id above id-max";
	if (!e->bad && e->table != (e->id ? FZ_C_TABLE_BASE + e->id : RT_TABLE_MAIN_ID))
		e->bad = "table is not that of the id";
	e->ok = !e->bad;
}

struct u32_attrs {
	uint32_t v[16];
	unsigned int have;	/* bit per type */
	int dup, bad;
	int set;
};

static int u32_attr(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	struct u32_attrs *u = arg;

	type &= NLA_TYPE_MASK;
	if (type == 0 || type >= 16 || type > fz_sets[u->set].max_type || len != 4) {
		u->bad = 1;
		return 1;
	}
	if (u->have & (1u << type))
		u->dup = 1;
	u->have |= 1u << type;
	memcpy(&u->v[type], d, 4);
	return 0;
}

/* Parses a dhost or owner entry (only u32 attributes). 0 if well-formed. */
static int parse_u32s(int set, const unsigned char *p, size_t len, struct u32_attrs *u)
{
	memset(u, 0, sizeof(*u));
	u->set = set;
	if (for_attrs(p, len, u32_attr, u) < 0)
		u->bad = 1;
	return u->bad || u->dup ? -1 : 0;
}

static int owner_from_attrs(const struct u32_attrs *u, struct owner_entry *o)
{
	unsigned int need = 1u << A_O_ADDR | 1u << A_O_VR | 1u << A_O_PROTO |
			    1u << A_O_PORT | 1u << A_O_PORT_LAST | 1u << A_O_MEMBER;

	if ((u->have & need) != need)
		return -1;
	if (!!(u->have & 1u << A_O_REMOTE) != !!(u->have & 1u << A_O_REMOTE_PORT))
		return -1;
	memset(o, 0, sizeof(*o));
	o->k.addr = u->v[A_O_ADDR];
	o->k.vr = u->v[A_O_VR];
	o->k.proto = u->v[A_O_PROTO];
	o->k.port = u->v[A_O_PORT];
	o->k.port_last = u->v[A_O_PORT_LAST];
	if (u->have & 1u << A_O_REMOTE) {
		o->k.remote = u->v[A_O_REMOTE];
		o->k.remote_port = u->v[A_O_REMOTE_PORT];
	}
	o->member = u->v[A_O_MEMBER];
	if (u->v[A_O_VR] > FZ_C_ID_MAX || u->v[A_O_PROTO] > 255 || u->v[A_O_PORT] > 65535 ||
	    u->v[A_O_PORT_LAST] > 65535 || (u->have & 1u << A_O_REMOTE &&
					    (u->v[A_O_REMOTE_PORT] > 65535 ||
					     !u->v[A_O_REMOTE_PORT])))
		return -1;
	return 0;
}

static int dhost_from_attrs(const struct u32_attrs *u, struct dhost_entry *d)
{
	unsigned int need = 1u << A_D_ADDR | 1u << A_D_VR | 1u << A_D_IFINDEX |
			    1u << A_D_MEMBER | 1u << A_D_LEAD;

	if ((u->have & need) != need || u->v[A_D_VR] > FZ_C_ID_MAX)
		return -1;
	d->addr = u->v[A_D_ADDR];
	d->vr = u->v[A_D_VR];
	d->ifindex = u->v[A_D_IFINDEX];
	d->member = u->v[A_D_MEMBER];
	d->lead = u->v[A_D_LEAD];
	return 0;
}

/* A dump on a socket of its own; calls fn for each entry's attributes. */
static void sync_dump(const struct fz_op *op,
		      void (*fn)(const unsigned char *p, size_t len))
{
	static uint32_t seq = 1;
	struct timeval tv = { .tv_sec = 5 };
	struct buf m;
	int fd, done = 0;

	fd = nl_open(0, 1, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	buf_init(&m, family_id, NLM_F_REQUEST | NLM_F_DUMP, op->cmd, ++seq);
	nl_send(fd, m.b, m.len);
	while (!done) {
		ssize_t n = nl_recv(fd, 1);
		struct nlmsghdr *nlh;
		size_t len;

		if (n == 0)
			die("no answer to the %s dump", op->name);
		if (n < 0)
			die("%s dump: %s", op->name, strerror(-n));
		len = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				done = 1;
				break;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR)
				die("%s dump: %s", op->name,
				    strerror(-((struct nlmsgerr *)NLMSG_DATA(nlh))->error));
			if (nlh->nlmsg_type == family_id &&
			    nlh->nlmsg_len >= NLMSG_LENGTH(GENL_HDRLEN))
				fn((unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
				   nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN));
		}
	}
	close(fd);
}

static void sync_vr(const unsigned char *p, size_t len)
{
	struct vr_entry e;
	int i;

	parse_vr(p, len, &e);
	if (!e.ok) {
		surprise("model sync: malformed VR in a dump: %s", e.bad);
		return;
	}
	if (vr_exists[e.id]) {
		surprise("model sync: VR %u twice in a dump", e.id);
		return;
	}
	vr_add(e.id, e.has_name ? e.name : "");
	for (i = 0; i < e.n_ifaces && i < MAX_IFS; i++) {
		struct iface *f = iface_by_index(e.ifindex[i]);

		if (f)
			f->vr = e.id;
	}
}

static void sync_dhost(const unsigned char *p, size_t len)
{
	struct u32_attrs u;
	struct dhost_entry d;

	if (parse_u32s(SET_DHOST, p, len, &u) || dhost_from_attrs(&u, &d)) {
		surprise("model sync: malformed dhost entry in a dump");
		return;
	}
	if (n_dhosts < MAX_DHOST)
		dhosts[n_dhosts++] = d;
}

static void sync_owner(const unsigned char *p, size_t len)
{
	struct u32_attrs u;
	struct owner_entry o;

	if (parse_u32s(SET_OWNER, p, len, &u) || owner_from_attrs(&u, &o)) {
		surprise("model sync: malformed owner entry in a dump");
		return;
	}
	if (n_owners < MAX_OWNERS)
		owners[n_owners++] = o;
}

/* The notifications to expect are not known until the monitor group is read out. */
static int ntf_lost;

static void model_sync(void)
{
	int i, k;

	/* A change the model missed may have been notified. */
	ntf_lost = 1;
	model_reset();
	sync_dump(O_GET, sync_vr);
	sync_dump(O_DGET, sync_dhost);
	sync_dump(O_OGET, sync_owner);
	/* An owner-get dump meeting a resize of the table starts over: once each. */
	qsort(owners, n_owners, sizeof(owners[0]), owner_entry_cmp);
	for (i = 0, k = 0; i < n_owners; i++)
		if (!k || owner_entry_cmp(&owners[k - 1], &owners[i]))
			owners[k++] = owners[i];
	n_owners = k;
}

/* --- generating requests -------------------------------------------------- */

struct item {
	uint16_t type;		/* nla_type, flag bits included */
	int nla_len;		/* -1: the real length */
	int len;
	unsigned char data[ITEM_MAX];
};

struct gen {
	const struct fz_op *op;	/* what it was built from; NULL: a random cmd */
	int set;		/* the attribute set used */
	uint16_t type, flags;
	uint8_t cmd, version;
	uint16_t reserved;
	uint32_t pid;
	int n;
	struct item it[ITEM_SLOTS];
	int clean;
	int big;		/* may take the datagram's room, not only MSG_MAX */
	long cut;		/* >= 0: send only this many bytes of the message */
	int cut_fix;		/* and set nlmsg_len to it */
	long long len_override;	/* >= 0: the nlmsg_len to write */
	int trailing;
	int flips;
};

static const uint32_t interesting[] = {
	0, 1, 2, 3, 4, 5, 0x7f, 0x80, 0xff, 0x100, 0x3fff, 0x7fff, 0x8000,
	0xfffe, 0xffff, 0x10000, 0x10001, 0x7ffffffe, 0x7fffffff, 0x80000000,
	0x80000001, 0xfffffffe, 0xffffffff, 4095, 4096, 65534, 254, 255, 256,
};

static uint32_t interesting_u32(const struct fz_attr *a)
{
	if (a && pct(40)) {
		switch (rnd(6)) {
		case 0:
			if (a->has_max)
				return a->max;
			break;
		case 1:
			if (a->has_max)
				return a->max + 1;
			break;
		case 2:
			if (a->has_min)
				return a->min;
			break;
		case 3:
			if (a->has_min)
				return a->min - 1;
			break;
		default:
			break;
		}
	}
	if (pct(10))
		return rng_next(&R);
	return interesting[rnd(ARRAY_SIZE(interesting))];
}

static uint32_t pick_addr(void)
{
	static const uint32_t extra[] = { 0, 0xffffffff, 0x0100007f, 0x0a0a0a0a };

	if (n_addrs && pct(80))
		return addrs[rnd(n_addrs)].addr;
	if (pct(70))
		return extra[rnd(4)];
	return rng_next(&R);
}

static uint32_t pick_ifindex(void)
{
	if (n_ifs && pct(85))
		return ifs[rnd(n_ifs)].ifindex;
	return pct(50) ? 100000 + rnd(1000) : 1 + rnd(64);
}

static uint32_t pick_vr(void)
{
	static const uint32_t far[] = { 65535, 65534, 1000, 255, 256, 4096 };

	if (pct(85))
		return rnd(6);
	if (pct(85))
		return far[rnd(6)];
	return rnd(FZ_C_ID_MAX + 1);
}

static uint32_t pick_port(int nonzero)
{
	static const uint32_t ports[] = { 0, 80, 443, 7400, 8000, 8001, 8002, 20000, 65535 };
	uint32_t p;

	if (pct(80))
		p = ports[rnd(ARRAY_SIZE(ports))];
	else
		p = rnd(65536);
	if (nonzero && !p)
		p = 1 + rnd(65535);
	return p;
}

/* A valid value for a u32 attribute, from its name and checks. */
static uint32_t valid_u32(const struct fz_attr *a)
{
	uint64_t lo, hi;

	if (a->ipv4)
		return pick_addr();
	if (!strcmp(a->name, "ifindex"))
		return pick_ifindex();
	if (!strcmp(a->name, "id") || !strcmp(a->name, "vr"))
		return pick_vr();
	/* lead 0: no lead known, this kernel a member that is not the lead */
	if (!strcmp(a->name, "lead") && pct(10))
		return 0;
	if (!strcmp(a->name, "member") || !strcmp(a->name, "lead"))
		return pct(90) ? 1 + rnd(3) : FZ_C_MEMBER_MAX - rnd(2);
	if (!strcmp(a->name, "proto"))
		return pct(90) ? (pct(50) ? IPPROTO_TCP : IPPROTO_UDP) : rnd(256);
	if (!strcmp(a->name, "port") || !strcmp(a->name, "port-last"))
		return pick_port(0);
	if (!strcmp(a->name, "remote-port"))
		return pick_port(1);
	if (!strcmp(a->name, "cookie"))
		return pct(90) ? 1 + rnd(64) : 1 + rnd(0xfffffffe);
	if (!strcmp(a->name, "errno"))
		return pct(50) ? 0 : pct(50) ? EADDRINUSE : rnd(4096);
	if (a->is_enum)
		return a->enum_min + rnd(a->enum_max - a->enum_min + 1);
	lo = a->has_min ? (uint64_t)a->min : 0;
	hi = a->has_max ? (uint64_t)a->max : 0xffffffff;
	switch (rnd(4)) {
	case 0:
		return lo;
	case 1:
		return hi;
	default:
		return lo + rng_next(&R) % (hi - lo + 1);
	}
}

static const char name_chars[] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";

static int valid_name(unsigned char *d)
{
	static const char *const names[] = {
		"r1", "r2", "r3", "blue", "red", "default", "a-b_c.d",
		"ABCdefghijklmnopqrstuvwxyz-_.01",
	};
	int n, i;

	if (pct(70)) {
		const char *s = names[rnd(ARRAY_SIZE(names))];

		n = strlen(s);
		memcpy(d, s, n + 1);
		return n + 1;
	}
	n = 1 + rnd(FZ_C_NAME_MAX_LEN);
	for (i = 0; i < n; i++)
		d[i] = name_chars[rnd(sizeof(name_chars) - 1)];
	d[n] = 0;
	return n + 1;
}

static void put_u32(struct item *it, uint32_t v)
{
	memcpy(it->data, &v, 4);
	it->len = 4;
}

static struct item *add_item(struct gen *g, uint16_t type)
{
	struct item *it;

	if (g->n >= ITEM_SLOTS)
		return NULL;
	it = &g->it[g->n++];
	it->type = type;
	it->nla_len = -1;
	it->len = 0;
	return it;
}

/* Writes attribute (type, data) at d; returns the aligned length. */
static int emit_nla(unsigned char *d, uint16_t type, const void *data, int len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	memcpy(d, &nla, sizeof(nla));
	memcpy(d + NLA_HDRLEN, data, len);
	memset(d + NLA_HDRLEN + len, 0, NLA_ALIGN(len) - len);
	return NLA_ALIGN(NLA_HDRLEN + len);
}

static void fill_valid(struct item *it, const struct fz_attr *a, int depth);

/* A valid nest of set `set` into it. */
static void fill_nest(struct item *it, int set, int depth)
{
	const struct fz_set *s = &fz_sets[set];
	struct item tmp;
	int i;

	it->type |= NLA_F_NESTED;
	it->len = 0;
	for (i = 0; i < s->n_attrs; i++) {
		if (pct(20))
			continue;
		tmp.type = s->attrs[i].type;
		fill_valid(&tmp, &s->attrs[i], depth + 1);
		if (it->len + NLA_HDRLEN + NLA_ALIGN(tmp.len) > ITEM_MAX)
			break;
		it->len += emit_nla(it->data + it->len, tmp.type, tmp.data, tmp.len);
	}
}

static void fill_valid(struct item *it, const struct fz_attr *a, int depth)
{
	uint64_t v64;
	int i, n;

	switch (a->kind) {
	case FZ_FLAG:
		it->len = 0;
		break;
	case FZ_U8:
		it->data[0] = a->has_max ? rnd(a->max + 1) : rnd(256);
		it->len = 1;
		break;
	case FZ_U16: {
		uint16_t v = a->has_max ? rnd(a->max + 1) : rnd(65536);

		memcpy(it->data, &v, 2);
		it->len = 2;
		break;
	}
	case FZ_U32:
		put_u32(it, valid_u32(a));
		break;
	case FZ_U64:
	case FZ_UINT:
		v64 = rng_next(&R);
		memcpy(it->data, &v64, 8);
		it->len = a->kind == FZ_UINT && pct(50) ? 4 : 8;
		break;
	case FZ_STRING:
		if (!strcmp(a->name, "name") && a->max_len == FZ_C_NAME_MAX_LEN) {
			it->len = valid_name(it->data);
		} else {
			n = a->max_len ? 1 + rnd(a->max_len) : 1 + rnd(16);
			for (i = 0; i < n; i++)
				it->data[i] = name_chars[rnd(sizeof(name_chars) - 1)];
			it->data[n] = 0;
			it->len = n + 1;
		}
		break;
	case FZ_BINARY:
		if (a->min_len && a->min_len == a->max_len && pct(90))
			it->len = a->max_len;
		else
			it->len = a->max_len ? rnd(a->max_len + 1) : rnd(32);
		for (i = 0; i < it->len; i++)
			it->data[i] = rnd(256);
		break;
	case FZ_NEST:
		if (depth < 4 && a->nest >= 0)
			fill_nest(it, a->nest, depth);
		else
			it->len = 0;
		break;
	}
}

static struct item *find_item(struct gen *g, uint16_t type)
{
	int i;

	for (i = 0; i < g->n; i++)
		if ((g->it[i].type & NLA_TYPE_MASK) == type)
			return &g->it[i];
	return NULL;
}

static void drop_item(struct gen *g, int i)
{
	memmove(&g->it[i], &g->it[i + 1], (g->n - i - 1) * sizeof(g->it[0]));
	g->n--;
}

/*
 * The owner-set keys generated last, so that owner-del names an entry that
 * may exist more often than chance (the generator's own memory: the
 * requests do not depend on the kernel's answers).
 */
struct saved_key {
	uint32_t v[16];
	unsigned int have;
};

static struct saved_key saved_keys[16];
static int n_saved_keys;

static void save_key(struct gen *g)
{
	struct saved_key *k = &saved_keys[n_saved_keys++ % 16];
	int i;

	memset(k, 0, sizeof(*k));
	for (i = 0; i < g->n; i++) {
		unsigned int t = g->it[i].type & NLA_TYPE_MASK;

		if (t < 16 && t != A_O_MEMBER && g->it[i].len == 4) {
			memcpy(&k->v[t], g->it[i].data, 4);
			k->have |= 1u << t;
		}
	}
}

static void reuse_key(struct gen *g)
{
	const struct saved_key *k;
	unsigned int t;
	int i;

	if (!n_saved_keys)
		return;
	k = &saved_keys[rnd(n_saved_keys < 16 ? n_saved_keys : 16)];
	for (i = 0; i < g->n;) {
		t = g->it[i].type & NLA_TYPE_MASK;
		if (t < 16 && t != A_O_MEMBER && !(k->have & 1u << t))
			drop_item(g, i);
		else
			i++;
	}
	for (t = 0; t < 16; t++) {
		struct item *it;

		if (!(k->have & 1u << t))
			continue;
		it = find_item(g, t);
		if (!it)
			it = add_item(g, t);
		if (it)
			put_u32(it, k->v[t]);
	}
}

/*
 * The generator's guesses for owner-batch (its own memory, as saved_keys,
 * from the valid requests it made, not from the kernel's answers): which
 * VRs exist, the VR of each interface, the addresses distributed (with the
 * VR of their interface), and the keys of the entries batches set.
 */
static uint8_t gen_vr_made[FZ_C_ID_MAX + 1] = { 1 };
static uint16_t gen_if_vr[MAX_IFS];

struct gen_dh {
	uint32_t addr;
	uint16_t vr;
	int ifindex;
};

static struct gen_dh gen_dhs[MAX_ADDRS];
static int n_gen_dhs;
static struct owner_key gen_bkeys[64];
static int n_gen_bkeys;

static int gen_dh_find(uint32_t addr, int ifindex)
{
	int i;

	for (i = 0; i < n_gen_dhs; i++)
		if ((addr && gen_dhs[i].addr == addr) || (!addr && gen_dhs[i].ifindex == ifindex))
			return i;
	return -1;
}

/*
 * A message as sent, if the kernel hands it to the doit handler of its
 * operation (header, permission and policy valid; the model's state aside):
 * the operation, its attributes in tb.
 */
static const struct fz_op *sent_do(const unsigned char *p, size_t len, struct tb *tb)
{
	struct nlmsghdr nlh;
	struct genlmsghdr gh;
	const struct fz_op *op;

	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return NULL;
	memcpy(&nlh, p, sizeof(nlh));
	memcpy(&gh, p + NLMSG_HDRLEN, sizeof(gh));
	if (nlh.nlmsg_len != len || nlh.nlmsg_type != family_id || gh.reserved ||
	    !(nlh.nlmsg_flags & NLM_F_REQUEST) ||
	    (nlh.nlmsg_flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)))
		return NULL;
	op = op_by_cmd(gh.cmd, FZ_OP_DO);
	if (!op || ((op->flags & FZ_OP_ADMIN) && !(admin && !opt_userns)) ||
	    ((op->flags & FZ_OP_UNS_ADMIN) && !admin) || pol_do[op->cmd].unknown_nest)
		return NULL;
	if (strict_parse(p + NLMSG_HDRLEN + GENL_HDRLEN, len - NLMSG_HDRLEN - GENL_HDRLEN,
			 &pol_do[op->cmd], tb))
		return NULL;
	return op;
}

static int valid_vr_name(const char *s);

/*
 * After a message is sent: what the generator guesses from it, were it to
 * succeed as the kernel checks it most often (names, VRs, interfaces and
 * addresses only; the binder's sockets aside).
 */
static void remember_sent(const unsigned char *p, size_t len)
{
	static char gen_vr_name[FZ_C_ID_MAX + 1][FZ_C_NAME_MAX_LEN + 1] = { "default" };
	static uint16_t gen_vr_ids[FZ_C_ID_MAX + 1];	/* VR 0 first */
	static int n_gen_vrs = 1;
	struct tb tb;
	const struct fz_op *op = sent_do(p, len, &tb);
	uint32_t id, x;
	struct iface *f;
	int i;

	if (!op)
		return;
	if (op == O_CREATE && tb_has(&tb, A_ID)) {
		char name[FZ_C_NAME_MAX_LEN + 1] = "";

		id = tb_u32(&tb, A_ID);
		if (gen_vr_made[id] || n_gen_vrs - 1 >= max_vrs)
			return;
		if (tb_has(&tb, A_NAME)) {
			snprintf(name, sizeof(name), "%s", (const char *)tb.p[A_NAME]);
			if (!valid_vr_name(name))
				return;
		}
		for (i = 0; i < n_gen_vrs && name[0]; i++)
			if (!strcmp(gen_vr_name[gen_vr_ids[i]], name))
				return;
		gen_vr_made[id] = 1;
		memcpy(gen_vr_name[id], name, sizeof(name));
		gen_vr_ids[n_gen_vrs++] = id;
	} else if (op == O_DELETE && tb_has(&tb, A_ID)) {
		id = tb_u32(&tb, A_ID);
		if (!id || !gen_vr_made[id])
			return;
		for (i = 0; i < n_ifs; i++)
			if (gen_if_vr[i] == id)
				return;
		gen_vr_made[id] = 0;
		for (i = 0; i < n_gen_vrs; i++)
			if (gen_vr_ids[i] == id)
				gen_vr_ids[i] = gen_vr_ids[--n_gen_vrs];
	} else if (op == O_ASSIGN && tb_has(&tb, A_IFINDEX) && tb_has(&tb, A_ID)) {
		/* into an existing VR; an interface with a distributed address stays */
		f = iface_by_index(tb_u32(&tb, A_IFINDEX));
		id = tb_u32(&tb, A_ID);
		if (f && gen_vr_made[id] &&
		    (gen_if_vr[f - ifs] == id || gen_dh_find(0, f->ifindex) < 0))
			gen_if_vr[f - ifs] = id;
	} else if (op == O_DSET && tb_has(&tb, A_D_ADDR) && !tb_has(&tb, A_D_ADDR6) &&
		   tb_has(&tb, A_D_IFINDEX) && tb_has(&tb, A_D_MEMBER) && tb_has(&tb, A_D_LEAD)) {
		f = iface_by_index(tb_u32(&tb, A_D_IFINDEX));
		x = tb_u32(&tb, A_D_ADDR);
		if (!f || !has_addr(f->ifindex, x))
			return;
		i = gen_dh_find(x, 0);
		if (i < 0 && n_gen_dhs < (int)ARRAY_SIZE(gen_dhs))
			i = n_gen_dhs++;
		if (i >= 0) {
			gen_dhs[i].addr = x;
			gen_dhs[i].vr = gen_if_vr[f - ifs];
			gen_dhs[i].ifindex = f->ifindex;
		}
	} else if (op == O_DDEL && tb_has(&tb, A_D_ADDR) && !tb_has(&tb, A_D_ADDR6)) {
		i = gen_dh_find(tb_u32(&tb, A_D_ADDR), 0);
		if (i >= 0 && gen_dhs[i].vr == (tb_has(&tb, A_D_VR) ? tb_u32(&tb, A_D_VR) : 0))
			gen_dhs[i] = gen_dhs[--n_gen_dhs];
	}
}

/* An address and VR for the entries of a batch: mostly one guessed distributed. */
static void batch_base(struct owner_key *b)
{
	memset(b, 0, sizeof(*b));
	if (n_gen_dhs && pct(80)) {
		const struct gen_dh *d = &gen_dhs[rnd(n_gen_dhs)];

		b->addr = d->addr;
		b->vr = d->vr;
	} else {
		b->addr = pick_addr();
		b->vr = pct(70) ? 0 : pick_vr();
	}
}

/*
 * A key of a batch entry on base's address: a port, a range or a
 * connection, of few values (that the entries set come again rather than
 * pile up).
 */
static void batch_key(struct owner_key *k, const struct owner_key *base, int set)
{
	static const uint16_t deltas[] = { 1, 2, 9, 99, 999 };
	static const uint16_t ports[] = { 0, 80, 443, 7400, 8000, 8001, 8002, 20000, 64536 };
	static const uint16_t rports[] = { 80, 443, 8000, 40000 };
	static const uint32_t remotes[] = { 0xc6336401, 0xcb007107 };	/* host order */

	if (!set && n_gen_bkeys && pct(60)) {
		*k = gen_bkeys[rnd(n_gen_bkeys < 64 ? n_gen_bkeys : 64)];
	} else {
		memset(k, 0, sizeof(*k));
		k->proto = pct(50) ? IPPROTO_TCP : IPPROTO_UDP;
		k->port = pct(99) ? ports[rnd(ARRAY_SIZE(ports))] : rnd(65536 - 999);
		k->port_last = k->port;
		switch (rnd(10)) {
		case 0:
		case 1:		/* a range */
			k->port_last = k->port + deltas[rnd(ARRAY_SIZE(deltas))];
			break;
		case 2:
		case 3:		/* a connection */
			k->remote = n_addrs && pct(60) ? addrs[rnd(n_addrs)].addr :
				    htonl(remotes[rnd(ARRAY_SIZE(remotes))]);
			k->remote_port = pct(98) ? rports[rnd(ARRAY_SIZE(rports))] : 1 + rnd(65535);
			break;
		default:	/* a port */
			break;
		}
	}
	k->addr = base->addr;
	k->vr = base->vr;
}

/* How one entry of a batch is spoiled (put_entry()). */
enum {
	BAD_NONE, BAD_NO_MEMBER, BAD_UNKNOWN_TYPE, BAD_RANGE, BAD_LEN, BAD_NOT_NESTED,
	BAD_ADDR6, BAD_PORT_LAST, BAD_PROTO, BAD_INNER_NESTED, BAD_EMPTY, BAD_SHORT,
	BAD_TRAILING, BAD_REMOTE_PORT, BAD_ADDR, BAD_N
};

/* An entry nest (set or del) of key k into it; lean: only the attributes needed. */
static void put_entry(struct item *it, int set, const struct owner_key *k, uint32_t member,
		      int lean, int bad)
{
	static const unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct owner_key x = *k;
	unsigned char *d = it->data;
	int n = 0, i;
	uint32_t v;

#define PUT(t, val) do { v = (val); n += emit_nla(d + n, (t), &v, 4); } while (0)
	it->type = (set ? A_B_SET : A_B_DEL) | (bad == BAD_NOT_NESTED ? 0 : NLA_F_NESTED);
	it->nla_len = -1;
	if (bad == BAD_ADDR)
		x.addr = 0x0a0a0a0a;
	if (bad == BAD_PROTO)
		x.proto = 1 + rnd(5);
	if (bad == BAD_PORT_LAST) {
		x.port = x.port ? x.port : 1;
		x.port_last = x.port - 1;
	}
	if (bad == BAD_REMOTE_PORT && !x.remote_port) {
		x.remote_port = pick_port(1);
		x.port_last = x.port;
	} else if (bad == BAD_REMOTE_PORT) {
		x.remote = 0;
	}
	PUT(A_O_ADDR, x.addr);
	if (bad == BAD_ADDR6)
		n += emit_nla(d + n, A_O_ADDR6, a6, 16);
	if (x.vr || (!lean && pct(50)))
		PUT(A_O_VR, x.vr);
	PUT(A_O_PROTO, x.proto);
	PUT(A_O_PORT, bad == BAD_RANGE ? 65536 + rnd(100000) : x.port);
	if (x.port_last != x.port || (!lean && pct(40)))
		PUT(A_O_PORT_LAST, x.port_last);
	if (x.remote || bad == BAD_REMOTE_PORT)
		PUT(A_O_REMOTE, x.remote);
	if (x.remote_port)
		PUT(A_O_REMOTE_PORT, x.remote_port);
	if (set ? bad != BAD_NO_MEMBER : !lean && pct(15))
		PUT(A_O_MEMBER, member);
	switch (bad) {
	case BAD_UNKNOWN_TYPE:
		PUT(pct(20) ? 0 : fz_sets[SET_OENTRY].max_type + 1 + rnd(8), 1);
		break;
	case BAD_LEN: {
		static const int lens[] = { 0, 1, 2, 8 };
		uint64_t z = 1;

		n += emit_nla(d + n, 1 + rnd(8), &z, lens[rnd(ARRAY_SIZE(lens))]);
		break;
	}
	case BAD_INNER_NESTED:
		PUT(A_O_PROTO | NLA_F_NESTED, x.proto);
		break;
	case BAD_EMPTY:
		n = 0;
		break;
	case BAD_SHORT:
		n = 1 + rnd(3);
		for (i = 0; i < n; i++)
			d[i] = rnd(256);
		break;
	case BAD_TRAILING:
		for (i = 0, v = 1 + rnd(3); i < (int)v; i++)
			d[n++] = rnd(256);
		break;
	default:
		break;
	}
#undef PUT
	it->len = n;
}

static void remember_bkey(const struct owner_key *k)
{
	gen_bkeys[n_gen_bkeys++ % 64] = *k;
	if (n_gen_bkeys >= 128)
		n_gen_bkeys -= 64;
}

/*
 * An owner-batch request of valid entries, mostly: a few to ~50 sets and
 * dels of ports, ranges and connections of one or two (guessed) distributed
 * addresses, sometimes with missing-ok, a key twice or a spoiled entry; now
 * and then more than batch-max entries, in as much of the datagram as it
 * can have.
 */
static void gen_batch(struct gen *g)
{
	static const int del_pcts[] = { 0, 0, 20, 50, 100 };
	static struct owner_key keys[ITEM_SLOTS];
	struct owner_key base[2], k;
	int nb = pct(20) ? 2 : 1, n, i, j, tries, set, n_keys = 0, flag_at, bad_at = -1;
	int bad = BAD_NONE, missing_ok = pct(50), dels = del_pcts[rnd(ARRAY_SIZE(del_pcts))];
	int twice_at = -1;
	struct item *it;

	for (i = 0; i < nb; i++)
		batch_base(&base[i]);
	g->n = 0;
	if (pct(3)) {
		/*
		 * batch-max entries, or more (E2BIG): ports 30000 on, all sets
		 * or all dels (batch-max sets less often: they stay)
		 */
		n = pct(40) ? FZ_C_BATCH_MAX : FZ_C_BATCH_MAX + 1 + rnd(16);
		set = pct(n > FZ_C_BATCH_MAX ? 50 : 25);
		missing_ok = !set || pct(50);
		flag_at = missing_ok ? (int)rnd(n + 1) : -1;
		g->big = 1;
		memset(&k, 0, sizeof(k));
		k.addr = base[0].addr;
		k.vr = base[0].vr;
		k.proto = IPPROTO_TCP;
		for (i = 0; i <= n; i++) {
			if (i == flag_at)
				add_item(g, A_B_MISSING_OK);	/* a flag: no payload */
			it = i < n ? add_item(g, 0) : NULL;
			if (!it)
				break;
			k.port = 30000 + i;
			k.port_last = k.port;
			put_entry(it, set, &k, 1 + rnd(3), 1, BAD_NONE);
		}
		return;
	}
	n = pct(60) ? 1 + rnd(8) : 9 + rnd(42);
	if (pct(10)) {
		bad_at = rnd(n);
		bad = 1 + rnd(BAD_N - 1);
	} else if (n > 1 && pct(5)) {
		twice_at = 1 + rnd(n - 1);
	}
	flag_at = missing_ok ? (int)rnd(n + 1) : -1;
	for (i = 0; i <= n; i++) {
		if (i == flag_at) {
			add_item(g, A_B_MISSING_OK);
			if (pct(5))
				add_item(g, A_B_MISSING_OK);
		}
		if (i == n)
			break;
		set = !pct(dels);
		for (tries = 0; tries < 8; tries++) {
			batch_key(&k, &base[rnd(nb)], set);
			for (j = 0; j < n_keys && !key_eq(&keys[j], &k); j++)
				;
			if (j == n_keys)
				break;
		}
		/* now and then a key twice (EINVAL) */
		if (i == twice_at)
			k = keys[rnd(n_keys)];
		keys[n_keys++] = k;
		if (set)
			remember_bkey(&k);
		it = add_item(g, 0);
		if (!it)
			break;
		put_entry(it, set, &k, pct(90) ? 1 + rnd(3) : 1 + rnd(FZ_C_MEMBER_MAX), 0,
			  i == bad_at ? bad : BAD_NONE);
	}
}

/* Makes the values of a valid request fit together more often than chance. */
static void pair_values(struct gen *g)
{
	struct item *a, *b;

	/* No IPv6 address can be distributed here (read_netns()): mostly leave them out. */
	if (g->op == O_DSET || g->op == O_DDEL || g->op == O_OSET || g->op == O_ODEL) {
		unsigned int v6[] = { A_D_ADDR6, A_O_ADDR6, A_O_REMOTE6 };
		unsigned int j;

		for (j = 0; j < ARRAY_SIZE(v6); j++) {
			a = find_item(g, v6[j]);
			if (a && pct(90))
				drop_item(g, a - g->it);
		}
	}
	if (g->op == O_DSET && n_addrs && pct(60)) {
		const struct ifaddr4 *x = &addrs[rnd(n_addrs)];

		a = find_item(g, A_D_ADDR);
		b = find_item(g, A_D_IFINDEX);
		if (a && b) {
			put_u32(a, x->addr);
			put_u32(b, x->ifindex);
		}
	}
	if (g->op == O_OSET || g->op == O_ODEL) {
		a = find_item(g, A_O_PORT);
		b = find_item(g, A_O_PORT_LAST);
		if (a && b && pct(70)) {
			uint32_t p;

			memcpy(&p, a->data, 4);
			p = pct(50) ? p : p + rnd(3);
			put_u32(b, p > 65535 ? 65535 : p);
		}
		a = find_item(g, A_O_REMOTE);
		b = find_item(g, A_O_REMOTE_PORT);
		if (a && b && pct(60)) {
			drop_item(g, a - g->it);
			drop_item(g, find_item(g, A_O_REMOTE_PORT) - g->it);
		} else if (a && b && pct(50)) {
			/* A connection: one port, not a range. */
			a = find_item(g, A_O_PORT);
			b = find_item(g, A_O_PORT_LAST);
			if (a && b)
				memcpy(b->data, a->data, 4);
		}
	}
	if (g->op == O_OSET)
		save_key(g);
	if (g->op == O_ODEL && pct(60))
		reuse_key(g);
	if (g->op == O_OBATCH && pct(85))
		gen_batch(g);
}

static struct item *pick_item(struct gen *g)
{
	return g->n ? &g->it[rnd(g->n)] : NULL;
}

/* Attribute types of the set, plus a few outside it. */
static uint16_t random_type(struct gen *g)
{
	int max = g->set >= 0 ? fz_sets[g->set].max_type : 8;

	switch (rnd(8)) {
	case 0:
		return 0;
	case 1:
		return max + 1;
	case 2:
		return max + 1 + rnd(16);
	case 3:
		return TYPE_MAX;
	case 4:
		return rnd(TYPE_MAX + 1);
	default:
		return 1 + rnd(max + 2);
	}
}

/* Nested attributes where a scalar (or anything) is expected. */
static void fill_random_nest(struct gen *g, struct item *it)
{
	int k = rnd(4), i;

	it->len = 0;
	for (i = 0; i < k; i++) {
		uint32_t v = interesting_u32(NULL);

		it->len += emit_nla(it->data + it->len, random_type(g) & NLA_TYPE_MASK, &v, 4);
	}
	if (pct(80))
		it->type |= NLA_F_NESTED;
}

/* depth nests in one another around a u32 (the item is the outermost). */
static void fill_deep_nest(struct gen *g, struct item *it)
{
	int depth = 1 + rnd((ITEM_MAX - 8) / NLA_HDRLEN - 1), i, off;
	uint32_t v = interesting_u32(NULL);

	it->len = depth * NLA_HDRLEN + NLA_HDRLEN + 4;
	for (i = 0, off = 0; i < depth; i++, off += NLA_HDRLEN) {
		struct nlattr nla = {
			.nla_len = it->len - off,
			.nla_type = (random_type(g) & NLA_TYPE_MASK) |
				    (pct(90) ? NLA_F_NESTED : 0),
		};

		memcpy(it->data + off, &nla, sizeof(nla));
	}
	emit_nla(it->data + off, 1, &v, 4);
	it->type |= NLA_F_NESTED;
}

static void mutate_string(struct item *it)
{
	int n, i;

	switch (rnd(9)) {
	case 0:			/* no NUL */
		n = 1 + rnd(FZ_C_NAME_MAX_LEN + 4);
		for (i = 0; i < n; i++)
			it->data[i] = name_chars[rnd(sizeof(name_chars) - 1)];
		it->len = n;
		break;
	case 1:			/* too long */
		n = FZ_C_NAME_MAX_LEN + 1 + rnd(pct(80) ? 4 : ITEM_MAX - FZ_C_NAME_MAX_LEN - 2);
		for (i = 0; i < n; i++)
			it->data[i] = name_chars[rnd(sizeof(name_chars) - 1)];
		it->data[n] = 0;
		it->len = n + 1;
		break;
	case 2:			/* empty */
		it->data[0] = 0;
		it->len = 1;
		break;
	case 3:			/* nothing at all */
		it->len = 0;
		break;
	case 4:			/* embedded NUL */
		n = 2 + rnd(FZ_C_NAME_MAX_LEN + 8);
		for (i = 0; i < n; i++)
			it->data[i] = name_chars[rnd(sizeof(name_chars) - 1)];
		it->data[rnd(n)] = 0;
		it->len = n;
		break;
	case 5:			/* bytes outside the allowed set */
		n = 1 + rnd(FZ_C_NAME_MAX_LEN);
		for (i = 0; i < n; i++)
			it->data[i] = pct(50) ? (unsigned char)(1 + rnd(255)) :
						 name_chars[rnd(sizeof(name_chars) - 1)];
		it->data[n] = 0;
		it->len = n + 1;
		break;
	case 6:			/* exactly 31 or 32 */
		n = FZ_C_NAME_MAX_LEN + rnd(2);
		for (i = 0; i < n; i++)
			it->data[i] = name_chars[rnd(sizeof(name_chars) - 1)];
		it->data[n] = 0;
		it->len = n + 1;
		break;
	case 7:			/* padding NULs */
		n = 1 + rnd(8);
		for (i = 0; i < n; i++)
			it->data[i] = 'a' + i;
		memset(it->data + n, 0, 1 + rnd(40));
		it->len = n + 1 + rnd(40);
		break;
	default:		/* "default", the name of VR 0 */
		memcpy(it->data, "default", 8);
		it->len = 8;
		break;
	}
}

static void mutate(struct gen *g)
{
	struct item *it, *nit;
	int k, i;

	switch (rnd(24)) {
	case 0:
	case 1:			/* extreme values */
		it = pick_item(g);
		if (it) {
			put_u32(it, interesting_u32(attr_of(g->set, it->type & NLA_TYPE_MASK)));
			if (pct(15))
				it->len = 1 << rnd(4);	/* as u8/u16/u32/u64 */
		}
		break;
	case 2:			/* payload length */
		it = pick_item(g);
		if (it) {
			static const int lens[] = { 0, 1, 2, 3, 5, 6, 7, 8, 12, 16, 64 };
			int n = lens[rnd(ARRAY_SIZE(lens))];

			for (i = it->len; i < n; i++)
				it->data[i] = rnd(256);
			it->len = n;
		}
		break;
	case 3:
	case 4:			/* nla_len */
		it = pick_item(g);
		if (it) {
			int real = NLA_HDRLEN + it->len;
			static const int fixed[] = { 0, 1, 2, 3, 4, 5, 0xffff };

			switch (rnd(6)) {
			case 0:
				it->nla_len = fixed[rnd(7)];
				break;
			case 1:
				it->nla_len = real - 1 - rnd(3);
				break;
			case 2:
				it->nla_len = real + 1 + rnd(3);
				break;
			case 3:
				it->nla_len = real + 4 * (1 + rnd(8));
				break;
			case 4:
				it->nla_len = real | 1;
				break;
			default:
				it->nla_len = rnd(65536);
				break;
			}
			if (it->nla_len < 0)
				it->nla_len = 0;
		}
		break;
	case 5:			/* unknown types */
		it = add_item(g, random_type(g));
		if (it) {
			put_u32(it, interesting_u32(NULL));
			if (pct(30))
				it->len = rnd(9);
		}
		break;
	case 6:			/* another type */
		it = pick_item(g);
		if (it)
			it->type = (it->type & ~NLA_TYPE_MASK) | random_type(g);
		break;
	case 7:			/* NLA_F_NESTED set or cleared */
		it = pick_item(g);
		if (it)
			it->type ^= NLA_F_NESTED;
		break;
	case 8:			/* NLA_F_NET_BYTEORDER */
		it = pick_item(g);
		if (it)
			it->type ^= NLA_F_NET_BYTEORDER;
		break;
	case 9:			/* a nest where a scalar is expected */
		it = pick_item(g);
		if (!it)
			it = add_item(g, random_type(g));
		if (it)
			fill_random_nest(g, it);
		break;
	case 10:		/* deep nesting */
		it = pct(50) ? pick_item(g) : NULL;
		if (!it)
			it = add_item(g, random_type(g));
		if (it)
			fill_deep_nest(g, it);
		break;
	case 11:		/* empty nest */
		it = pct(50) ? pick_item(g) : NULL;
		if (!it)
			it = add_item(g, random_type(g));
		if (it) {
			it->len = 0;
			it->type |= NLA_F_NESTED;
		}
		break;
	case 12:
	case 13:		/* duplicates */
		it = pick_item(g);
		if (!it)
			break;
		k = pct(90) ? 1 : 2 + rnd(50);
		for (i = 0; i < k; i++) {
			int idx = it - g->it;

			nit = add_item(g, 0);
			if (!nit)
				break;
			it = &g->it[idx];
			*nit = *it;
			if (pct(50) && it->len == 4) {
				const struct fz_attr *a = attr_of(g->set, it->type & NLA_TYPE_MASK);

				put_u32(nit, a && a->kind == FZ_U32 ? valid_u32(a) :
					     interesting_u32(NULL));
			}
		}
		break;
	case 14:
	case 15:		/* a missing attribute */
		if (g->n)
			drop_item(g, rnd(g->n));
		break;
	case 16:		/* strings */
		for (i = 0; i < g->n; i++) {
			const struct fz_attr *a = attr_of(g->set, g->it[i].type & NLA_TYPE_MASK);

			if (a && a->kind == FZ_STRING)
				break;
		}
		it = i < g->n ? &g->it[i] : pick_item(g);
		if (it)
			mutate_string(it);
		break;
	case 17:		/* random bytes */
		it = add_item(g, random_type(g));
		if (it) {
			it->len = rnd(41);
			for (i = 0; i < it->len; i++)
				it->data[i] = rnd(256);
		}
		break;
	case 18:		/* many attributes */
		k = 20 + rnd(MAX_ITEMS - 20);
		for (i = 0; i < k; i++) {
			it = add_item(g, pct(50) && g->n ? g->it[rnd(g->n)].type : random_type(g));
			if (!it)
				break;
			put_u32(it, pct(50) ? interesting_u32(NULL) : rnd(8));
		}
		break;
	case 19:		/* truncation */
		g->cut = rnd(1 << 16);
		g->cut_fix = pct(50);
		break;
	case 20:		/* nlmsg_len */
		switch (rnd(7)) {
		case 0:
			g->len_override = 0;
			break;
		case 1:
			g->len_override = rnd(NLMSG_HDRLEN);
			break;
		case 2:
			g->len_override = NLMSG_HDRLEN + rnd(GENL_HDRLEN + 1);
			break;
		case 3:
			g->len_override = 1LL << 32;	/* marker: real length - small */
			break;
		case 4:
			g->len_override = 2LL << 32;	/* marker: real length + small */
			break;
		case 5:
			g->len_override = 0xffffffff;
			break;
		default:
			g->len_override = rnd(4096);
			break;
		}
		break;
	case 21:		/* header: flags, cmd, version, type */
		switch (rnd(8)) {
		case 0:
			g->flags ^= 1 << rnd(16);
			break;
		case 1:
			g->flags = rnd(65536);
			break;
		case 2:
			g->flags ^= NLM_F_DUMP;
			break;
		case 3:
			g->cmd = pct(50) ? rnd(FZ_CMD_MAX + 3) : rnd(256);
			break;
		case 4:
			g->version = rnd(256);
			break;
		case 5:
			g->reserved = pct(50) ? 1u << rnd(16) : rnd(65536);
			break;
		case 6: {
			static const uint16_t types[] = { 0, NLMSG_NOOP, NLMSG_ERROR,
				NLMSG_DONE, NLMSG_OVERRUN, NLMSG_MIN_TYPE - 1 };

			g->type = pct(50) ? types[rnd(6)] : GENL_ID_LIMIT + 1 +
				  rnd(65535 - GENL_ID_LIMIT);
			break;
		}
		default:
			g->pid = rng_next(&R);
			break;
		}
		break;
	case 22:		/* trailing bytes */
		g->trailing = 1 + rnd(7);
		break;
	default:		/* flipped bits after the netlink header */
		g->flips = 1 + rnd(4);
		break;
	}
}

/* An operation; those that are only notifications less often. */
static const struct fz_op *pick_op(void)
{
	int i, total = 0, r;

	for (i = 0; i < N_OPS; i++)
		total += fz_ops[i].flags & (FZ_OP_DO | FZ_OP_DUMP) ? 4 : 1;
	r = rnd(total);
	for (i = 0; i < N_OPS; i++) {
		r -= fz_ops[i].flags & (FZ_OP_DO | FZ_OP_DUMP) ? 4 : 1;
		if (r < 0)
			break;
	}
	return &fz_ops[i < N_OPS ? i : N_OPS - 1];
}

static void gen_message(struct gen *g)
{
	const unsigned short *req;
	int n_req, i, dump, all;

	g->n = 0;
	g->cut = -1;
	g->cut_fix = 0;
	g->len_override = -1;
	g->trailing = 0;
	g->flips = 0;
	g->big = 0;
	g->pid = 0;
	g->reserved = 0;
	g->version = FZ_FAMILY_VERSION;
	g->type = family_id;
	if (pct(97)) {
		g->op = pick_op();
		g->cmd = g->op->cmd;
		g->set = g->op->set;
	} else {
		static const uint8_t cmds[] = { 0, FZ_CMD_MAX + 1, 255 };

		g->op = NULL;
		g->cmd = pct(50) ? cmds[rnd(3)] : rnd(256);
		g->set = rnd(N_SETS);
	}
	if (g->op && (g->op->flags & FZ_OP_DO) && (g->op->flags & FZ_OP_DUMP))
		dump = pct(50);
	else if (g->op && (g->op->flags & FZ_OP_DUMP))
		dump = !pct(5);
	else if (g->op && (g->op->flags & FZ_OP_DO))
		dump = pct(5);
	else
		dump = pct(20);
	g->flags = NLM_F_REQUEST | (pct(90) ? NLM_F_ACK : 0) | (dump ? NLM_F_DUMP : 0);
	if (pct(3))
		g->flags |= NLM_F_ECHO;

	req = NULL;
	n_req = 0;
	if (g->op) {
		req = dump ? g->op->dump_req : g->op->do_req;
		n_req = dump ? g->op->n_dump_req : g->op->n_do_req;
	}
	all = !n_req && g->set >= 0 && pct(dump ? 5 : 60);
	if (all)
		n_req = fz_sets[g->set].n_attrs;
	for (i = 0; i < n_req; i++) {
		const struct fz_attr *a = all ? &fz_sets[g->set].attrs[i] :
					  attr_of(g->set, req[i]);
		struct item *it;

		if (!a || pct(8))
			continue;
		it = add_item(g, a->type);
		if (it)
			fill_valid(it, a, 0);
	}
	pair_values(g);
	if (g->n > 1 && pct(10)) {
		for (i = g->n - 1; i > 0; i--) {
			int j = rnd(i + 1);
			struct item t = g->it[i];

			g->it[i] = g->it[j];
			g->it[j] = t;
		}
	}
	g->clean = pct(45);
	if (!g->clean) {
		int k = 1 + rnd(pct(80) ? 2 : 4);

		for (i = 0; i < k; i++)
			mutate(g);
	}
}

/* The message's bytes at d (room bytes at most); returns how many to send. */
static size_t serialize(const struct gen *g, unsigned char *d, size_t room, uint32_t seq)
{
	struct nlmsghdr nlh = { 0 };
	struct genlmsghdr gh = { 0 };
	size_t len = NLMSG_HDRLEN + GENL_HDRLEN, real;
	int i;

	for (i = 0; i < g->n; i++) {
		const struct item *it = &g->it[i];
		struct nlattr nla;

		if (len + NLA_HDRLEN + NLA_ALIGN(it->len) + 8 > room)
			break;
		nla.nla_len = it->nla_len >= 0 ? it->nla_len : NLA_HDRLEN + it->len;
		nla.nla_type = it->type;
		memcpy(d + len, &nla, sizeof(nla));
		memcpy(d + len + NLA_HDRLEN, it->data, it->len);
		memset(d + len + NLA_HDRLEN + it->len, 0, NLA_ALIGN(it->len) - it->len);
		len += NLA_HDRLEN + NLA_ALIGN(it->len);
	}
	for (i = 0; i < g->trailing; i++)
		d[len++] = rnd(256);
	real = len;
	nlh.nlmsg_len = real;
	if (g->len_override == 1LL << 32)
		nlh.nlmsg_len = real > NLMSG_HDRLEN ? real - 1 - rnd(4) : real;
	else if (g->len_override == 2LL << 32)
		nlh.nlmsg_len = real + 1 + rnd(8);
	else if (g->len_override >= 0)
		nlh.nlmsg_len = g->len_override;
	nlh.nlmsg_type = g->type;
	nlh.nlmsg_flags = g->flags;
	nlh.nlmsg_seq = seq;
	nlh.nlmsg_pid = g->pid;
	gh.cmd = g->cmd;
	gh.version = g->version;
	gh.reserved = g->reserved;
	memcpy(d, &nlh, sizeof(nlh));
	memcpy(d + NLMSG_HDRLEN, &gh, sizeof(gh));
	for (i = 0; i < g->flips; i++) {
		size_t off = NLMSG_HDRLEN + rnd(real - NLMSG_HDRLEN);

		d[off] ^= 1 << rnd(8);
	}
	if (g->cut >= 0) {
		size_t cut = 1 + g->cut % (real > 1 ? real - 1 : 1);

		if (g->cut_fix) {
			nlh.nlmsg_len = cut;
			memcpy(d, &nlh.nlmsg_len, sizeof(nlh.nlmsg_len));
		}
		return cut;
	}
	return real;
}

/* --- replies --------------------------------------------------------------- */

struct reply {
	uint32_t seq;
	uint16_t type, flags;
	uint32_t off, len;	/* the whole message, in the arena */
	int owner;		/* index of the visible message, -1: none */
};

static unsigned char arena[ARENA_MAX];
static size_t arena_len;
static struct reply replies[MAX_REPLIES];
static int n_replies;
static int replies_lost;	/* did not fit: no content checks */

static void store_reply(const struct nlmsghdr *nlh)
{
	struct reply *r;

	if (n_replies >= MAX_REPLIES || arena_len + nlh->nlmsg_len > ARENA_MAX) {
		replies_lost = 1;
		return;
	}
	r = &replies[n_replies++];
	r->seq = nlh->nlmsg_seq;
	r->type = nlh->nlmsg_type;
	r->flags = nlh->nlmsg_flags;
	r->off = arena_len;
	r->len = nlh->nlmsg_len;
	r->owner = -1;
	memcpy(arena + arena_len, nlh, nlh->nlmsg_len);
	arena_len += NLMSG_ALIGN(nlh->nlmsg_len);
}

/* Reads everything queued on the main socket (dumps continue on each recv). */
static void drain_main(void)
{
	for (;;) {
		ssize_t n = nl_recv(fd_main, 0);
		struct nlmsghdr *nlh;
		size_t len;

		if (n == 0)
			break;
		if (n < 0) {
			surprise("the request socket overflowed (ENOBUFS)");
			replies_lost = 1;
			continue;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len))
			store_reply(nlh);
		if (len)
			surprise("a reply datagram with %zu bytes that are no message", len);
	}
}

/* --- notifications ---------------------------------------------------------- */

static int ntf_attr_check(uint16_t type, const unsigned char *d, size_t len, void *arg)
{
	int *bad = arg;

	(void)d;
	type &= NLA_TYPE_MASK;
	if (type == 0 || type > fz_sets[SET_SOCK].max_type || len != 4)
		*bad = 1;
	return *bad;
}

static void answer_claim(uint32_t cookie);
static int claim_errno_ok(uint32_t code);
static const uint32_t claim_errnos[10];

/*
 * The notifications the monitor group must carry, in order: those of the
 * changes acknowledged since it was last read.
 */
struct ntf {
	uint8_t cmd;
	uint16_t id;
};

#define MAX_NTF 4096
static struct ntf ntf_q[MAX_NTF];
static int ntf_n, ntf_head;
static unsigned long st_ntf_checked;

static void expect_ntf(const struct fz_op *op, uint16_t id)
{
	if (ntf_n >= MAX_NTF) {
		ntf_lost = 1;
		return;
	}
	ntf_q[ntf_n].cmd = op->cmd;
	ntf_q[ntf_n].id = id;
	ntf_n++;
}

static void check_ntf(const struct fz_op *op, const struct vr_entry *e)
{
	const struct ntf *want;

	if (ntf_lost)
		return;
	if (ntf_head >= ntf_n) {
		surprise("monitor group: %s for VR %u, after no change", op->name, e->id);
		ntf_lost = 1;
		return;
	}
	want = &ntf_q[ntf_head++];
	if (want->cmd != op->cmd || want->id != e->id) {
		surprise("monitor group: %s for VR %u, expected %s for VR %u", op->name, e->id,
			 op_by_cmd(want->cmd, FZ_OP_NTF)->name, want->id);
		ntf_lost = 1;
		return;
	}
	st_ntf_checked++;
}

static void drain_mon(void)
{
	for (;;) {
		ssize_t n = nl_recv(fd_mon, 0);
		struct nlmsghdr *nlh;
		size_t len;

		if (n == 0)
			break;
		if (n < 0) {
			st_mon_lost++;
			ntf_lost = 1;
			continue;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const struct genlmsghdr *gh = NLMSG_DATA(nlh);
			const struct fz_op *op;
			struct vr_entry e;

			st_mon++;
			if (nlh->nlmsg_type != family_id ||
			    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN)) {
				surprise("monitor group: a message of type %u", nlh->nlmsg_type);
				continue;
			}
			op = op_by_cmd(gh->cmd, FZ_OP_NTF);
			if (!op || op->set != SET_VR) {
				surprise("monitor group: a notification with cmd %u", gh->cmd);
				continue;
			}
			parse_vr((const unsigned char *)gh + GENL_HDRLEN,
				 nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), &e);
			if (!e.ok)
				surprise("monitor group: malformed %s: %s", op->name, e.bad);
			else
				check_ntf(op, &e);
		}
	}
	/* Everything sent so far was read: in step again. */
	if (!ntf_lost && ntf_head < ntf_n)
		surprise("monitor group: %d notifications missing, the first %s for VR %u",
			 ntf_n - ntf_head, op_by_cmd(ntf_q[ntf_head].cmd, FZ_OP_NTF)->name,
			 ntf_q[ntf_head].id);
	ntf_n = ntf_head = 0;
	ntf_lost = 0;
}

static void drain_dh(void)
{
	uint32_t to_answer[64];
	int n_answer = 0;
	double t = now();
	int i;

	if (fd_dh < 0)
		return;
	for (;;) {
		ssize_t n = nl_recv(fd_dh, 0);
		struct nlmsghdr *nlh;
		size_t len;

		if (n == 0)
			break;
		if (n < 0) {
			st_dh_lost++;
			dh_lost = 1;
			continue;
		}
		len = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			const struct genlmsghdr *gh = NLMSG_DATA(nlh);
			const unsigned char *p = (const unsigned char *)gh + GENL_HDRLEN;
			size_t plen;
			struct u32_attrs u;
			int bad = 0;
			uint32_t ev;

			st_dh++;
			if (nlh->nlmsg_type != family_id ||
			    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
			    !op_by_cmd(gh->cmd, FZ_OP_NTF) ||
			    op_by_cmd(gh->cmd, FZ_OP_NTF)->set != SET_SOCK) {
				surprise("dhost group: a message of type %u cmd %u",
					 nlh->nlmsg_type, gh->cmd);
				continue;
			}
			plen = nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN);
			if (for_attrs(p, plen, ntf_attr_check, &bad) < 0 || bad ||
			    parse_u32s(SET_SOCK, p, plen, &u)) {
				surprise("dhost group: malformed sock-ntf");
				continue;
			}
			ev = u.v[A_S_EVENT];
			if (!(u.have & 1u << A_S_EVENT) || ev < FZ_E_SOCK_EVENT_BIND ||
			    ev > FZ_E_SOCK_EVENT_CONNECT) {
				surprise("dhost group: sock-ntf with event %u", ev);
				continue;
			}
			st_dh_events[ev]++;
			if (ev == FZ_E_SOCK_EVENT_BIND) {
				uint32_t c = u.v[A_S_COOKIE];

				if (!(u.have & 1u << A_S_COOKIE) || !c) {
					surprise("dhost group: bind without a cookie");
					continue;
				}
				st_claims++;
				if (c > max_cookie_seen)
					max_cookie_seen = c;
				if (n_pending < MAX_PENDING) {
					pending[n_pending].cookie = c;
					pending[n_pending].since = t;
					pending[n_pending].answered = 0;
					n_pending++;
				} else {
					dh_lost = 1;
				}
				if (srnd(100) < 85 && n_answer < 64)
					to_answer[n_answer++] = c;
			}
		}
	}
	/* After the loop: answer_claim() reuses rbuf. */
	for (i = 0; i < n_answer; i++)
		answer_claim(to_answer[i]);
	/* Claims end after 5 s without an answer. */
	for (i = 0; i < n_pending;) {
		if (t - pending[i].since > 6)
			pending[i] = pending[--n_pending];
		else
			i++;
	}
}

static struct pending *pending_find(uint32_t cookie)
{
	int i;

	for (i = 0; i < n_pending; i++)
		if (pending[i].cookie == cookie)
			return &pending[i];
	return NULL;
}

/* Answers a claim on the side socket (not part of the main stream). */
static void answer_claim(uint32_t cookie)
{
	struct buf m;
	uint32_t code;
	int k = srnd(100);

	code = k < 70 ? 0 : k < 85 ? EADDRINUSE : k < 92 ? claim_errnos[srnd(10)] :
	       k < 97 ? 1 + srnd(600) : 4096 + srnd(10);
	buf_init(&m, family_id, NLM_F_REQUEST | NLM_F_ACK, O_CLAIM->cmd, 0x7fffffff);
	buf_put(&m, A_S_COOKIE, &cookie, 4);
	buf_put(&m, A_S_ERRNO, &code, 4);
	nl_send(fd_ans, m.b, m.len);
	st_answers++;
	for (;;) {
		ssize_t n = nl_recv(fd_ans, 0);
		struct nlmsghdr *nlh;
		size_t len;

		if (n <= 0)
			break;
		len = n;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			int e;

			if (nlh->nlmsg_type != NLMSG_ERROR) {
				surprise("claim answer: a reply of type %u", nlh->nlmsg_type);
				continue;
			}
			e = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (e < 0 || e >= MAX_ERRNO) {
				surprise("claim answer: ack with error %d", -e);
				continue;
			}
			st_answer_err[e]++;
			if (code > 4095 && e != ERANGE)
				surprise("claim answer with errno %u: %s, not ERANGE", code,
					 errname(e));
			else if (code <= 4095 && !claim_errno_ok(code) && e != EINVAL)
				surprise("claim answer with errno %u: %s, not EINVAL", code,
					 errname(e));
			if (!e) {
				struct pending *p = pending_find(cookie);

				if (p)
					p->answered = 1;
			}
		}
	}
}

/* --- predicting the kernel ------------------------------------------------ */

struct vis {
	const unsigned char *p;
	uint32_t len;
	uint16_t type, flags;
	uint32_t seq;
	int shared;
};

static struct vis vis[MAX_VIS];
static int n_vis, vis_overflow;

/* netlink_rcv_skb(): the messages the kernel sees in a datagram. */
static void walk(const unsigned char *d, size_t dlen)
{
	size_t off = 0;
	int i, j;

	n_vis = 0;
	vis_overflow = 0;
	while (dlen - off >= NLMSG_HDRLEN) {
		struct nlmsghdr nlh;
		size_t msglen;

		memcpy(&nlh, d + off, sizeof(nlh));
		if (nlh.nlmsg_len < NLMSG_HDRLEN || nlh.nlmsg_len > dlen - off)
			break;
		if (n_vis >= MAX_VIS) {
			vis_overflow = 1;
			break;
		}
		vis[n_vis].p = d + off;
		vis[n_vis].len = nlh.nlmsg_len;
		vis[n_vis].type = nlh.nlmsg_type;
		vis[n_vis].flags = nlh.nlmsg_flags;
		vis[n_vis].seq = nlh.nlmsg_seq;
		vis[n_vis].shared = 0;
		n_vis++;
		msglen = NLMSG_ALIGN(nlh.nlmsg_len);
		if (msglen > dlen - off)
			msglen = dlen - off;
		off += msglen;
	}
	for (i = 0; i < n_vis; i++)
		for (j = i + 1; j < n_vis; j++)
			if (vis[i].seq == vis[j].seq)
				vis[i].shared = vis[j].shared = 1;
}

enum ex_kind {
	EX_ACK,			/* an ack (only if NLM_F_ACK or an error) */
	EX_GET,			/* a reply, then an ack if asked, or an error */
	EX_DUMP,		/* a dump: entries and NLMSG_DONE, or an error ack */
	EX_ANY,			/* not predicted */
};

enum effect {
	EF_NONE, EF_CREATE, EF_DELETE, EF_ASSIGN, EF_DSET, EF_DDEL, EF_OSET,
	EF_ODEL, EF_CLAIM, EF_OBATCH,
};

struct expect {
	enum ex_kind kind;
	int errs[4];		/* allowed errnos (0: success) */
	int n_errs;
	enum effect effect;
	const struct fz_op *op;	/* the operation the kernel runs, if any */
	int dump_busy_ok;	/* a dump that may meet EBUSY */
	int dump_filtered;	/* a dump with request attributes */
	/* effect parameters */
	uint16_t id;
	char name[FZ_C_NAME_MAX_LEN + 1];
	struct iface *ifc;
	struct dhost_entry d;
	struct owner_entry o;
	uint32_t cookie;
	int n_changes;		/* EF_OBATCH: the changes are batch[0..n_changes) */
};

static void ex_err(struct expect *e, int err)
{
	e->kind = EX_ACK;
	e->errs[0] = err;
	e->n_errs = 1;
}

static void ex_also(struct expect *e, int err)
{
	if (e->n_errs < 4)
		e->errs[e->n_errs++] = err;
}

/*
 * The errnos a claim may be refused with (the errno attribute of the sock
 * set in vr.yaml); claim-answer refuses the others with EINVAL.
 */
static const uint32_t claim_errnos[10] = {
	EADDRINUSE, EADDRNOTAVAIL, EACCES, EPERM, EINVAL, ENOBUFS, ENOMEM,
	EHOSTUNREACH, ETIMEDOUT, ENOTCONN,
};

static int claim_errno_ok(uint32_t code)
{
	size_t i;

	if (!code)
		return 1;
	for (i = 0; i < ARRAY_SIZE(claim_errnos); i++)
		if (claim_errnos[i] == code)
			return 1;
	return 0;
}

static int valid_vr_name(const char *s)
{
	size_t n = strlen(s), i;

	if (!n || n > FZ_C_NAME_MAX_LEN)
		return 0;
	for (i = 0; i < n; i++)
		if (!strchr(name_chars, s[i]) || !s[i])
			return 0;
	return 1;
}

/*
 * An ownership entry as a request gives it (owner-set's and owner-del's
 * attributes, or those of one entry of an owner-batch): the model's key,
 * and the key as the kernel compares it (OwnerKey: addresses IPv4-mapped
 * or IPv6, a remote 0.0.0.0 or :: as none).
 */
struct owner_req {
	struct owner_entry o;	/* the model's key (IPv4; addr 0 for an addr6) and member */
	int v6;			/* addr6, not addr */
	int r6;			/* a remote6 other than :: */
	unsigned char addr[16], remote[16];
};

static void mapped4(unsigned char *a16, uint32_t a)
{
	memset(a16, 0, 16);
	a16[10] = a16[11] = 0xff;
	memcpy(a16 + 12, &a, 4);
}

/*
 * owner_key() of dhost.rs (and the member, required if need_member) on
 * validated attributes: 0 or the errno (all EINVAL). The key's checks are
 * owner_check().
 */
static int owner_parse(const struct tb *tb, int need_member, struct owner_req *r)
{
	struct owner_key *k = &r->o.k;

	memset(r, 0, sizeof(*r));
	r->v6 = tb_has(tb, A_O_ADDR6);
	/* addr or addr6, remote or remote6, none IPv4-mapped */
	if (r->v6 && (tb_has(tb, A_O_ADDR) || v4mapped(tb->p[A_O_ADDR6])))
		return EINVAL;
	if (tb_has(tb, A_O_REMOTE6)) {
		if (tb_has(tb, A_O_REMOTE) || v4mapped(tb->p[A_O_REMOTE6]))
			return EINVAL;
		r->r6 = !unspecified6(tb->p[A_O_REMOTE6]);
	}
	if ((!tb_has(tb, A_O_ADDR) && !r->v6) || !tb_has(tb, A_O_PROTO) ||
	    !tb_has(tb, A_O_PORT))
		return EINVAL;
	if (need_member && !tb_has(tb, A_O_MEMBER))
		return EINVAL;
	k->addr = r->v6 ? 0 : tb_u32(tb, A_O_ADDR);
	k->vr = tb_has(tb, A_O_VR) ? tb_u32(tb, A_O_VR) : 0;
	k->proto = tb_u32(tb, A_O_PROTO);
	k->port = tb_u32(tb, A_O_PORT);
	k->port_last = tb_has(tb, A_O_PORT_LAST) ? tb_u32(tb, A_O_PORT_LAST) : k->port;
	k->remote = tb_has(tb, A_O_REMOTE) ? tb_u32(tb, A_O_REMOTE) : 0;
	k->remote_port = tb_has(tb, A_O_REMOTE_PORT) ? tb_u32(tb, A_O_REMOTE_PORT) : 0;
	r->o.member = tb_has(tb, A_O_MEMBER) ? tb_u32(tb, A_O_MEMBER) : 0;
	if (r->v6)
		memcpy(r->addr, tb->p[A_O_ADDR6], 16);
	else
		mapped4(r->addr, k->addr);
	if (r->r6)
		memcpy(r->remote, tb->p[A_O_REMOTE6], 16);
	else if (k->remote)
		mapped4(r->remote, k->remote);
	return 0;
}

/* OwnerKey::check(): 0 or EINVAL. */
static int owner_check(const struct owner_req *r)
{
	const struct owner_key *k = &r->o.k;
	int conn;

	if (k->proto != IPPROTO_TCP && k->proto != IPPROTO_UDP)
		return EINVAL;
	if (k->port_last < k->port)
		return EINVAL;
	conn = k->remote || r->r6 || k->remote_port;
	if (conn && ((!k->remote && !r->r6) || !k->remote_port || k->port != k->port_last))
		return EINVAL;
	/* a remote of the address's family */
	if ((k->remote && r->v6) || (r->r6 && !r->v6))
		return EINVAL;
	return 0;
}

/* The kernel's keys of two entries are equal. */
static int owner_req_eq(const struct owner_req *a, const struct owner_req *b)
{
	const struct owner_key *x = &a->o.k, *y = &b->o.k;

	return x->vr == y->vr && x->proto == y->proto && x->port == y->port &&
	       x->port_last == y->port_last && x->remote_port == y->remote_port &&
	       !memcmp(a->addr, b->addr, 16) && !memcmp(a->remote, b->remote, 16);
}

static int is_range(const struct owner_key *k)
{
	return k->port != k->port_last;
}

/* The model's single ports and connections (the kernel's map), and port ranges. */
static void owner_counts(int *singles, int *ranges)
{
	int i;

	*singles = *ranges = 0;
	for (i = 0; i < n_owners; i++) {
		if (is_range(&owners[i].k))
			(*ranges)++;
		else
			(*singles)++;
	}
}

/* The changes of the owner-batch being predicted, and then applied. */
struct batch_change {
	struct owner_req r;
	int set;		/* a set, else a del */
	int present;		/* the model has an entry of the key */
};

static struct batch_change batch[FZ_C_BATCH_MAX];

/*
 * owner_batch() of dhost.rs: the set and del entries in their order (each
 * read as owner-set or owner-del reads its request), then Dhost::apply()
 * (all or nothing); attrs..attrs+alen: the validated attributes, walked in
 * their order as Info::attrs() does.
 */
static void predict_batch(const struct tb *tb, const unsigned char *attrs, int alen,
			  struct expect *e)
{
	const struct policy *pol = &pol_do[O_OBATCH->cmd];
	int missing_ok = tb_has(tb, A_B_MISSING_OK);
	int n = 0, i, j, err, singles, ranges, added = 0, removed = 0;

	while (alen >= NLA_HDRLEN) {
		struct nlattr nla;
		unsigned int type;
		struct tb sub;

		memcpy(&nla, attrs, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > alen)
			break;
		type = nla.nla_type & NLA_TYPE_MASK;
		if (type == A_B_SET || type == A_B_DEL) {
			if (n >= FZ_C_BATCH_MAX)
				return ex_err(e, E2BIG);
			/* validated already: the last of each type, as nested_attr() */
			strict_parse(attrs + NLA_HDRLEN, nla.nla_len - NLA_HDRLEN,
				     pol->t[type].nested, &sub);
			batch[n].set = type == A_B_SET;
			err = owner_parse(&sub, batch[n].set, &batch[n].r);
			if (err)
				return ex_err(e, err);
			n++;
		}
		if ((int)NLA_ALIGN(nla.nla_len) >= alen)
			break;
		attrs += NLA_ALIGN(nla.nla_len);
		alen -= NLA_ALIGN(nla.nla_len);
	}
	if (!n)
		return ex_err(e, EINVAL);
	e->n_changes = n;
	/* Dhost::apply(): each key's check, */
	for (i = 0; i < n; i++)
		if (owner_check(&batch[i].r))
			return ex_err(e, EINVAL);
	/* a key given twice, */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (owner_req_eq(&batch[i].r, &batch[j].r))
				return ex_err(e, EINVAL);
	/* The model may have lost entries (more than it holds): no prediction. */
	if (n_owners >= MAX_OWNERS) {
		e->kind = EX_ANY;
		return;
	}
	/* each address distributed, each del of a port or connection with an entry, */
	for (i = 0; i < n; i++) {
		const struct batch_change *c = &batch[i];

		/* no IPv6 address is distributed here (read_netns()) */
		if (c->r.v6 || !dhost_find(c->r.o.k.vr, c->r.o.k.addr)) {
			/* with missing-ok, a del there is one of no entry */
			if (!c->set && missing_ok) {
				batch[i].present = 0;
				continue;
			}
			return ex_err(e, ENOENT);
		}
		batch[i].present = owner_find(&c->r.o.k) != NULL;
		if (is_range(&c->r.o.k))
			continue;
		if (c->set && !c->present)
			added++;
		else if (!c->set && c->present)
			removed++;
		else if (!c->set && !missing_ok)
			return ex_err(e, ENOENT);
	}
	/* net.vr.dhost_max_entries, for a batch that adds entries, */
	owner_counts(&singles, &ranges);
	if (added > removed &&
	    singles + added - (removed < singles ? removed : singles) > max_entries)
		return ex_err(e, ENOSPC);
	/* the ranges in order, on a copy (no key twice: each as the model has it) */
	for (i = 0; i < n; i++) {
		const struct batch_change *c = &batch[i];

		if (!is_range(&c->r.o.k))
			continue;
		if (c->set && !c->present) {
			if (ranges >= FZ_C_RANGE_MAX)
				return ex_err(e, ENOSPC);
			ranges++;
		} else if (!c->set && c->present) {
			ranges--;
		} else if (!c->set && !missing_ok) {
			return ex_err(e, ENOENT);
		}
	}
	/* Inserts may meet EBUSY or ENOMEM: not predicted, as for owner-set. */
	e->effect = EF_OBATCH;
}

/* The module's doit handlers, on the validated attributes (attrs..attrs+alen). */
static void predict_do(const struct fz_op *op, const struct tb *tb, const unsigned char *attrs,
		       int alen, struct expect *e)
{
	ex_err(e, 0);
	if (op == O_CREATE) {
		uint32_t id;

		if (!tb_has(tb, A_ID))
			return ex_err(e, EINVAL);
		id = tb_u32(tb, A_ID);
		e->name[0] = 0;
		if (!vr_exists[id] && n_vrs - 1 >= max_vrs)
			return ex_err(e, ENOSPC);
		if (tb_has(tb, A_NAME)) {
			snprintf(e->name, sizeof(e->name), "%s", (const char *)tb->p[A_NAME]);
			if (!valid_vr_name(e->name))
				return ex_err(e, EINVAL);
		}
		if (vr_exists[id])
			return ex_err(e, EEXIST);
		if (e->name[0] && name_in_use(e->name))
			return ex_err(e, EEXIST);
		e->effect = EF_CREATE;
		e->id = id;
	} else if (op == O_DELETE) {
		uint32_t id;

		if (!tb_has(tb, A_ID))
			return ex_err(e, EINVAL);
		id = tb_u32(tb, A_ID);
		if (id == 0)
			return ex_err(e, EINVAL);
		if (!vr_exists[id])
			return ex_err(e, ENOENT);
		if (vr_has_ifaces(id))
			return ex_err(e, EBUSY);
		/* The binder's sockets may be in it. */
		if (binder_on)
			ex_also(e, EBUSY);
		e->effect = EF_DELETE;
		e->id = id;
	} else if (op == O_GET) {
		if (!tb_has(tb, A_ID))
			return ex_err(e, EINVAL);
		e->id = tb_u32(tb, A_ID);
		if (!vr_exists[e->id])
			return ex_err(e, ENOENT);
		e->kind = EX_GET;
	} else if (op == O_ASSIGN) {
		if (!tb_has(tb, A_IFINDEX) || !tb_has(tb, A_ID))
			return ex_err(e, EINVAL);
		e->id = tb_u32(tb, A_ID);
		if (!vr_exists[e->id])
			return ex_err(e, ENOENT);
		e->ifc = iface_by_index(tb_u32(tb, A_IFINDEX));
		if (!e->ifc)
			return ex_err(e, ENODEV);
		/* a distributed address keeps its interface in its VR */
		if (e->ifc->vr != e->id && dhost_on_ifindex(e->ifc->ifindex))
			return ex_err(e, EBUSY);
		e->effect = EF_ASSIGN;
	} else if ((op == O_DSET || op == O_DDEL) && tb_has(tb, A_D_ADDR6)) {
		/* No IPv6 address of the namespace can be distributed (read_netns()). */
		const unsigned char *a6 = tb->p[A_D_ADDR6];

		if (tb_has(tb, A_D_ADDR) || v4mapped(a6))
			return ex_err(e, EINVAL);
		if (op == O_DDEL)
			return ex_err(e, ENOENT);
		if (!distributable6(a6) || !tb_has(tb, A_D_IFINDEX) ||
		    !tb_has(tb, A_D_MEMBER) || !tb_has(tb, A_D_LEAD))
			return ex_err(e, EINVAL);
		if (!iface_by_index(tb_u32(tb, A_D_IFINDEX)))
			return ex_err(e, ENODEV);
		return ex_err(e, EADDRNOTAVAIL);
	} else if (op == O_DSET) {
		if (!tb_has(tb, A_D_ADDR) || !tb_has(tb, A_D_IFINDEX) ||
		    !tb_has(tb, A_D_MEMBER) || !tb_has(tb, A_D_LEAD))
			return ex_err(e, EINVAL);
		e->ifc = iface_by_index(tb_u32(tb, A_D_IFINDEX));
		if (!e->ifc)
			return ex_err(e, ENODEV);
		e->d.addr = tb_u32(tb, A_D_ADDR);
		if (!has_addr(e->ifc->ifindex, e->d.addr))
			return ex_err(e, EADDRNOTAVAIL);
		e->d.vr = e->ifc->vr;
		e->d.ifindex = e->ifc->ifindex;
		e->d.member = tb_u32(tb, A_D_MEMBER);
		e->d.lead = tb_u32(tb, A_D_LEAD);
		e->effect = EF_DSET;
	} else if (op == O_DDEL) {
		if (!tb_has(tb, A_D_ADDR))
			return ex_err(e, EINVAL);
		e->d.addr = tb_u32(tb, A_D_ADDR);
		e->d.vr = tb_has(tb, A_D_VR) ? tb_u32(tb, A_D_VR) : 0;
		if (!dhost_find(e->d.vr, e->d.addr))
			return ex_err(e, ENOENT);
		e->effect = EF_DDEL;
	} else if (op == O_OSET || op == O_ODEL) {
		struct owner_req r;
		int err = owner_parse(tb, op == O_OSET, &r);

		if (!err)
			err = owner_check(&r);
		if (err)
			return ex_err(e, err);
		if (r.v6)
			return ex_err(e, ENOENT);
		e->o = r.o;
		if (op == O_OSET) {
			int singles, ranges;

			if (!dhost_find(r.o.k.vr, r.o.k.addr))
				return ex_err(e, ENOENT);
			/* range-max, net.vr.dhost_max_entries (Dhost::set_owner())
			 * for a new entry
			 */
			if (!owner_find(&r.o.k)) {
				owner_counts(&singles, &ranges);
				if (is_range(&r.o.k) ? ranges >= FZ_C_RANGE_MAX :
						       singles >= max_entries)
					return ex_err(e, ENOSPC);
			}
			e->effect = EF_OSET;
		} else {
			if (!owner_find(&r.o.k))
				return ex_err(e, ENOENT);
			e->effect = EF_ODEL;
		}
	} else if (op == O_OBATCH) {
		predict_batch(tb, attrs, alen, e);
	} else if (op == O_CLAIM) {
		struct pending *p;

		if (!tb_has(tb, A_S_COOKIE) || !tb_has(tb, A_S_ERRNO))
			return ex_err(e, EINVAL);
		if (!claim_errno_ok(tb_u32(tb, A_S_ERRNO)))
			return ex_err(e, EINVAL);
		e->cookie = tb_u32(tb, A_S_COOKIE);
		ex_err(e, ENOENT);
		if (!binder_on)
			return;
		p = pending_find(e->cookie);
		/*
		 * A claim can start between the last read of the dhost group
		 * and this request; one whose notification was lost is unknown.
		 */
		if ((p && !p->answered) || e->cookie > max_cookie_seen || dh_lost)
			ex_also(e, 0);
		e->effect = EF_CLAIM;
	} else {
		e->kind = EX_ANY;
	}
}

/* The netlink and genetlink core, then the module. */
static void predict(const struct vis *v, int in_batch_after_dump, struct expect *e)
{
	const unsigned char *p = v->p;
	struct genlmsghdr gh;
	const struct fz_op *op;
	struct tb tb;
	uint16_t f;
	int dump, err;

	memset(e, 0, sizeof(*e));
	e->effect = EF_NONE;
	if (!(v->flags & NLM_F_REQUEST) || v->type < NLMSG_MIN_TYPE)
		return ex_err(e, 0);
	if (v->type != family_id) {
		if (v->type <= GENL_ID_LIMIT) {
			/* Another family (the fuzzer never aims at one). */
			e->kind = EX_ANY;
			st_foreign++;
			return;
		}
		return ex_err(e, ENOENT);
	}
	if (v->len < NLMSG_HDRLEN + GENL_HDRLEN)
		return ex_err(e, EINVAL);
	memcpy(&gh, p + NLMSG_HDRLEN, sizeof(gh));
	if (gh.reserved)
		return ex_err(e, EINVAL);
	f = v->flags;
	if ((f & NLM_F_DUMP) == NLM_F_DUMP)
		f &= ~NLM_F_DUMP;
	if (f & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO))
		return ex_err(e, EINVAL);
	dump = (v->flags & NLM_F_DUMP) == NLM_F_DUMP;
	op = op_by_cmd(gh.cmd, dump ? FZ_OP_DUMP : FZ_OP_DO);
	if (!op)
		return ex_err(e, EOPNOTSUPP);
	e->op = op;
	if ((op->flags & FZ_OP_ADMIN) && !(admin && !opt_userns))
		return ex_err(e, EPERM);
	if ((op->flags & FZ_OP_UNS_ADMIN) && !admin)
		return ex_err(e, EPERM);
	if (dump) {
		/* Checked once no other dump runs on the socket (else EBUSY). */
		if (pol_dump[op->cmd] && pol_dump[op->cmd]->has_nest) {
			e->kind = EX_ANY;
			return;
		}
		err = strict_parse(p + NLMSG_HDRLEN + GENL_HDRLEN,
				   v->len - NLMSG_HDRLEN - GENL_HDRLEN, pol_dump[op->cmd], &tb);
		if (err) {
			ex_err(e, -err);
			if (in_batch_after_dump)
				ex_also(e, EBUSY);
			return;
		}
		e->kind = EX_DUMP;
		e->dump_busy_ok = in_batch_after_dump;
		/* The model knows unfiltered dumps only. */
		for (int t = 0; t < 64; t++)
			e->dump_filtered |= tb_has(&tb, t);
		return;
	}
	if (pol_do[op->cmd].unknown_nest) {
		e->kind = EX_ANY;
		return;
	}
	err = strict_parse(p + NLMSG_HDRLEN + GENL_HDRLEN,
			   v->len - NLMSG_HDRLEN - GENL_HDRLEN, &pol_do[op->cmd], &tb);
	if (err)
		return ex_err(e, -err);
	st_predicted++;
	predict_do(op, &tb, p + NLMSG_HDRLEN + GENL_HDRLEN, v->len - NLMSG_HDRLEN - GENL_HDRLEN,
		   e);
}

static void apply(const struct expect *e)
{
	struct dhost_entry *d;
	struct owner_entry *o;
	struct pending *p;
	int i;

	switch (e->effect) {
	case EF_CREATE:
		vr_add(e->id, e->name);
		expect_ntf(O_CREATE_NTF, e->id);
		break;
	case EF_DELETE:
		vr_del(e->id);
		expect_ntf(O_DELETE_NTF, e->id);
		break;
	case EF_ASSIGN:
		if (e->ifc->vr != e->id) {
			expect_ntf(O_CHANGE_NTF, e->ifc->vr);
			expect_ntf(O_CHANGE_NTF, e->id);
		}
		e->ifc->vr = e->id;
		break;
	case EF_DSET:
		d = dhost_find(e->d.vr, e->d.addr);
		if (d)
			*d = e->d;
		else if (n_dhosts < MAX_DHOST)
			dhosts[n_dhosts++] = e->d;
		break;
	case EF_DDEL:
		d = dhost_find(e->d.vr, e->d.addr);
		if (d)
			*d = dhosts[--n_dhosts];
		for (i = 0; i < n_owners;) {
			if (owners[i].k.vr == e->d.vr && owners[i].k.addr == e->d.addr)
				owners[i] = owners[--n_owners];
			else
				i++;
		}
		break;
	case EF_OSET:
		o = owner_find(&e->o.k);
		if (o)
			o->member = e->o.member;
		else if (n_owners < MAX_OWNERS)
			owners[n_owners++] = e->o;
		break;
	case EF_ODEL:
		o = owner_find(&e->o.k);
		if (o)
			*o = owners[--n_owners];
		break;
	case EF_CLAIM:
		p = pending_find(e->cookie);
		if (p)
			p->answered = 1;
		break;
	case EF_OBATCH:
		for (i = 0; i < e->n_changes; i++) {
			const struct batch_change *c = &batch[i];

			o = owner_find(&c->r.o.k);
			if (!c->set) {
				if (o)
					*o = owners[--n_owners];
			} else if (o) {
				o->member = c->r.o.member;
			} else if (n_owners < MAX_OWNERS) {
				owners[n_owners++] = c->r.o;
			} else {
				/* more than the model holds: read the state again */
				st_resync++;
				model_sync();
				break;
			}
		}
		break;
	default:
		break;
	}
}

/* --- checking replies against the model ---------------------------------- */

/* A VR of a reply against the model; NULL if it matches. */
static const char *check_vr(const unsigned char *p, size_t len, uint32_t want_id)
{
	static char why[160];
	struct vr_entry e;
	int i, n = 0;

	parse_vr(p, len, &e);
	if (!e.ok)
		return e.bad;
	if (want_id != UINT32_MAX && e.id != want_id) {
		snprintf(why, sizeof(why), "VR %u instead of %u", e.id, want_id);
		return why;
	}
	if (!vr_exists[e.id]) {
		snprintf(why, sizeof(why), "VR %u, which the model does not have", e.id);
		return why;
	}
	if (strcmp(e.has_name ? e.name : "", vr_name[e.id])) {
		snprintf(why, sizeof(why), "VR %u named \"%s\", model: \"%s\"", e.id,
			 e.has_name ? e.name : "", vr_name[e.id]);
		return why;
	}
	for (i = 0; i < e.n_ifaces && i < MAX_IFS; i++) {
		struct iface *f = iface_by_index(e.ifindex[i]);

		if (!f || f->vr != e.id) {
			snprintf(why, sizeof(why), "VR %u lists ifindex %u, model: %s", e.id,
				 e.ifindex[i], f ? "in another VR" : "unknown interface");
			return why;
		}
	}
	for (i = 0; i < n_ifs; i++)
		n += ifs[i].vr == e.id;
	if (n != e.n_ifaces) {
		snprintf(why, sizeof(why), "VR %u has %d interfaces, model: %d", e.id,
			 e.n_ifaces, n);
		return why;
	}
	return NULL;
}

static const char *check_dhost(const unsigned char *p, size_t len)
{
	static char why[160];
	struct u32_attrs u;
	struct dhost_entry d, *m;

	if (parse_u32s(SET_DHOST, p, len, &u) || dhost_from_attrs(&u, &d))
		return "malformed dhost entry";
	m = dhost_find(d.vr, d.addr);
	if (!m || m->ifindex != d.ifindex || m->member != d.member || m->lead != d.lead) {
		snprintf(why, sizeof(why),
			 "dhost %08x vr %u ifindex %d member %u lead %u: model: %s",
			 ntohl(d.addr), d.vr, d.ifindex, d.member, d.lead,
			 m ? "other values" : "no such entry");
		return why;
	}
	return NULL;
}

static const char *check_owner(const unsigned char *p, size_t len)
{
	static char why[200];
	struct u32_attrs u;
	struct owner_entry o, *m;

	if (parse_u32s(SET_OWNER, p, len, &u) || owner_from_attrs(&u, &o))
		return "malformed owner entry";
	m = owner_find(&o.k);
	if (!m || m->member != o.member) {
		snprintf(why, sizeof(why),
			 "owner %08x vr %u proto %u ports %u-%u remote %08x:%u member %u: model: %s",
			 ntohl(o.k.addr), o.k.vr, o.k.proto, o.k.port, o.k.port_last,
			 ntohl(o.k.remote), o.k.remote_port, o.member,
			 m ? "another member" : "no such entry");
		return why;
	}
	return NULL;
}

static const char *check_entry(const struct fz_op *op, const unsigned char *p, size_t len,
			       uint32_t want_id)
{
	if (op == O_GET)
		return check_vr(p, len, want_id);
	if (op == O_DGET)
		return check_dhost(p, len);
	if (op == O_OGET)
		return check_owner(p, len);
	return NULL;
}

static int model_count(const struct fz_op *op)
{
	if (op == O_GET)
		return n_vrs;
	if (op == O_DGET)
		return n_dhosts;
	if (op == O_OGET)
		return n_owners;
	return -1;
}

static unsigned long st_not_family;

/* Per command of the family: how the kernel answered the requests it ran. */
static void count_outcome(const struct vis *v, int got_ack, int err, int got_done)
{
	uint8_t cmd;

	if (v->type != family_id || !(v->flags & NLM_F_REQUEST) ||
	    v->len < NLMSG_HDRLEN + GENL_HDRLEN) {
		st_not_family++;
		return;
	}
	cmd = v->p[NLMSG_HDRLEN];
	if (!got_ack && got_done)
		st_op_dump[cmd]++;
	else if (!got_ack)
		st_op_noreply[cmd]++;
	else if (err >= 0 && err < MAX_ERRNO)
		st_op_err[cmd][err]++;
}

/* The entries of visible message k's owner-get dump that an earlier one listed already. */
static int owner_dump_dups(int k)
{
	static struct owner_key keys[MAX_REPLIES];
	int i, n = 0, dups = 0;

	for (i = 0; i < n_replies; i++) {
		const struct reply *r = &replies[i];
		const struct nlmsghdr *nlh = (const void *)(arena + r->off);
		struct u32_attrs u;
		struct owner_entry o;

		if (r->owner != k || r->type != family_id ||
		    nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN))
			continue;
		if (parse_u32s(SET_OWNER, (const unsigned char *)NLMSG_DATA(nlh) + GENL_HDRLEN,
			       nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), &u) ||
		    owner_from_attrs(&u, &o))
			continue;
		keys[n++] = o.k;
	}
	qsort(keys, n, sizeof(keys[0]), owner_key_cmp);
	for (i = 1; i < n; i++)
		dups += !owner_key_cmp(&keys[i - 1], &keys[i]);
	return dups;
}

static void check_vis(int k, int single)
{
	const struct vis *v = &vis[k];
	struct expect e;
	int acks = 0, ack_err = 0, dones = 0, done_err = 0, entries = 0, dups, i;
	int err_ok, err, has_ack_flag = v->flags & NLM_F_ACK;
	static int dump_seen;
	const char *why;
	int bad;

	if (k == 0)
		dump_seen = 0;
	predict(v, dump_seen, &e);
	if (e.kind == EX_DUMP)
		dump_seen = 1;
	for (i = 0; i < n_replies; i++) {
		const struct reply *r = &replies[i];
		const struct nlmsghdr *nlh = (const void *)(arena + r->off);

		if (r->owner != k)
			continue;
		if (r->type == NLMSG_ERROR) {
			const struct nlmsgerr *me = NLMSG_DATA(nlh);

			acks++;
			ack_err = -me->error;
		} else if (r->type == NLMSG_DONE) {
			dones++;
			if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int)))
				done_err = -*(const int *)NLMSG_DATA(nlh);
		} else {
			entries++;
		}
	}
	count_outcome(v, acks, ack_err, dones);
	if (e.kind == EX_ANY || v->shared)
		goto unknown;

	if (e.kind == EX_DUMP) {
		if (acks && e.dump_busy_ok && ack_err == EBUSY && !dones && !entries)
			return;
		if (acks || dones != 1 || done_err) {
			surprise("dump %s: %d acks (last %s), %d NLMSG_DONE (errno %s), %d entries",
				 e.op->name, acks, errname(ack_err), dones, errname(done_err),
				 entries);
			return;
		}
		if (!single || replies_lost || e.dump_filtered)
			return;
		/* owner-get may list an entry twice (a resize of the table) */
		dups = e.op == O_OGET ? owner_dump_dups(k) : 0;
		bad = entries - dups != model_count(e.op);
		if (bad)
			surprise("dump %s: %d entries (%d twice), the model has %d", e.op->name,
				 entries, dups, model_count(e.op));
		for (i = 0; i < n_replies; i++) {
			const struct reply *r = &replies[i];
			const struct nlmsghdr *nlh = (const void *)(arena + r->off);
			const struct genlmsghdr *gh = NLMSG_DATA(nlh);

			if (r->owner != k || r->type != family_id)
				continue;
			if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) || gh->cmd != e.op->cmd ||
			    !(nlh->nlmsg_flags & NLM_F_MULTI)) {
				surprise("dump %s: an entry with cmd %u flags 0x%x", e.op->name,
					 gh->cmd, nlh->nlmsg_flags);
				continue;
			}
			why = check_entry(e.op, (const unsigned char *)gh + GENL_HDRLEN,
					  nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), UINT32_MAX);
			if (why) {
				surprise("dump %s: %s", e.op->name, why);
				bad = 1;
			}
		}
		if (bad)
			goto unknown;
		return;
	}

	/* EX_ACK, EX_GET */
	if (dones || acks > 1) {
		surprise("%s: %d acks, %d NLMSG_DONE", e.op ? e.op->name : "request", acks, dones);
		goto unknown;
	}
	if (acks) {
		err = ack_err;
	} else {
		err = 0;
		if (has_ack_flag) {
			surprise("%s: no ack for a request with NLM_F_ACK (expected %s)",
				 e.op ? e.op->name : "request", errname(e.errs[0]));
			goto unknown;
		}
	}
	err_ok = 0;
	for (i = 0; i < e.n_errs; i++)
		err_ok |= e.errs[i] == err;
	if (!err_ok) {
		if (acks)
			surprise("%s: ack %s, expected %s%s%s", e.op ? e.op->name : "request",
				 errname(err), errname(e.errs[0]),
				 e.n_errs > 1 ? " or " : "",
				 e.n_errs > 1 ? errname(e.errs[1]) : "");
		else
			surprise("%s: no reply (success without NLM_F_ACK), expected %s",
				 e.op ? e.op->name : "request", errname(e.errs[0]));
		goto unknown;
	}
	if (e.kind == EX_GET && !err) {
		if (entries != 1) {
			surprise("get: %d replies", entries);
		} else if (!replies_lost) {
			for (i = 0; i < n_replies; i++) {
				const struct reply *r = &replies[i];
				const struct nlmsghdr *nlh = (const void *)(arena + r->off);
				const struct genlmsghdr *gh = NLMSG_DATA(nlh);

				if (r->owner != k || r->type != family_id)
					continue;
				if (nlh->nlmsg_len < NLMSG_LENGTH(GENL_HDRLEN) ||
				    gh->cmd != e.op->cmd) {
					surprise("get: a reply with cmd %u", gh->cmd);
					continue;
				}
				why = check_vr((const unsigned char *)gh + GENL_HDRLEN,
					       nlh->nlmsg_len - NLMSG_LENGTH(GENL_HDRLEN), e.id);
				if (why)
					surprise("get %u: %s", e.id, why);
			}
		}
	} else if (entries) {
		surprise("%s: %d replies besides the ack", e.op ? e.op->name : "request",
			 entries);
	}
	if (!err)
		apply(&e);
	return;
unknown:
	/* A state change the model may not have followed: read the state again. */
	if (v->type == family_id) {
		st_resync++;
		model_sync();
	}
}

static void check_datagram(const unsigned char *d, size_t dlen)
{
	int i, k;

	walk(d, dlen);
	for (i = 0; i < n_replies; i++) {
		struct reply *r = &replies[i];

		if (r->type == NLMSG_ERROR) {
			const struct nlmsgerr *me = (const void *)(arena + r->off + NLMSG_HDRLEN);

			if (r->len < NLMSG_LENGTH(sizeof(*me))) {
				surprise("a short NLMSG_ERROR");
				continue;
			}
			if (me->error > 0 || me->error <= -MAX_ERRNO)
				surprise("an NLMSG_ERROR with error %d", me->error);
			else
				st_acks[-me->error]++;
			if (me->msg.nlmsg_seq != r->seq)
				surprise("an NLMSG_ERROR echoing seq %u for seq %u",
					 me->msg.nlmsg_seq, r->seq);
		} else if (r->type == NLMSG_DONE) {
			int e = 0;

			if (r->len >= NLMSG_LENGTH(sizeof(int)))
				memcpy(&e, arena + r->off + NLMSG_HDRLEN, sizeof(e));
			else
				surprise("a short NLMSG_DONE");
			if (e > 0 || e <= -MAX_ERRNO)
				surprise("an NLMSG_DONE with error %d", e);
			else
				st_done[-e]++;
		} else if (r->type == family_id) {
			st_entries++;
			if (!(r->flags & NLM_F_MULTI))
				st_get_replies++;
		}
		for (k = 0; k < n_vis; k++) {
			if (vis[k].seq == r->seq) {
				r->owner = k;
				break;
			}
		}
		if (r->owner < 0) {
			surprise("a reply of type %u for seq %u, which no request had", r->type,
				 r->seq);
			continue;
		}
		if (r->type != NLMSG_ERROR && r->type != NLMSG_DONE && r->type != family_id &&
		    !(vis[r->owner].type != family_id && vis[r->owner].type >= NLMSG_MIN_TYPE &&
		      vis[r->owner].type <= GENL_ID_LIMIT))
			surprise(
				"a reply of type %u, neither an ack, a dump's end nor the family's",
				r->type);
	}
	if (vis_overflow) {
		st_resync++;
		model_sync();
		return;
	}
	for (k = 0; k < n_vis; k++)
		check_vis(k, n_vis == 1);
	for (k = 0; k < n_vis; k++) {
		int got = 0;

		for (i = 0; i < n_replies; i++)
			got |= replies[i].owner == k;
		if (!got)
			st_noreply++;
	}
}

/* --- the binder ------------------------------------------------------------ */

static void __attribute__((noreturn)) binder(int which)
{
	int socks[8], n = 0, i;

	for (i = 0; i < 8; i++)
		socks[i] = -1;
	S.s ^= 0x5bd1e995u * (which + 1);
	for (;;) {
		struct sockaddr_in sa = { .sin_family = AF_INET };
		int tcp = srnd(2), s;

		s = socket(AF_INET, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
		if (s < 0) {
			usleep(10000);
			continue;
		}
		if (srnd(4) == 0) {
			int vr = srnd(4);

			setsockopt(s, SOL_SOCKET, SO_VR, &vr, sizeof(vr));
		}
		sa.sin_addr.s_addr = n_addrs && srnd(10) ? addrs[srnd(n_addrs)].addr : 0;
		sa.sin_port = htons(srnd(4) ? 20000 + srnd(50) : 0);
		if (!bind(s, (struct sockaddr *)&sa, sizeof(sa))) {
			if (tcp && srnd(2))
				listen(s, 1);
			if (!tcp && n_addrs && srnd(3) == 0) {
				struct sockaddr_in to = {
					.sin_family = AF_INET,
					.sin_addr.s_addr = addrs[srnd(n_addrs)].addr,
					.sin_port = htons(9),
				};

				connect(s, (struct sockaddr *)&to, sizeof(to));
			}
		}
		if (socks[n] >= 0)
			close(socks[n]);
		socks[n] = s;
		n = (n + 1) % 8;
		usleep(2000 + srnd(3000));
	}
}

static void binder_start(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		pid_t pid = fork();

		if (pid < 0)
			die("fork: %s", strerror(errno));
		if (!pid) {
			close(fd_main);
			close(fd_mon);
			close(fd_dh);
			close(fd_ans);
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			binder(i);
		}
		binder_pid[i] = pid;
	}
}

static void binder_stop(void)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (binder_pid[i] > 0) {
			kill(binder_pid[i], SIGKILL);
			waitpid(binder_pid[i], NULL, 0);
			binder_pid[i] = 0;
		}
	}
}

/* --- privileges, namespaces, hooks ----------------------------------------- */

static void write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		die("open %s: %s", path, strerror(errno));
	n = write(fd, text, strlen(text));
	if (n != (ssize_t)strlen(text))
		die("write %s: %s", path, n < 0 ? strerror(errno) : "short write");
	close(fd);
}

static void switch_identity(void)
{
	char map[64];
	uid_t uid = opt_uid;
	gid_t gid = opt_uid;

	if (opt_uid < 0)
		return;
	if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
		die("dropping to uid %u: %s", uid, strerror(errno));
	/* setuid() made us non-dumpable: /proc/self would be root's. */
	prctl(PR_SET_DUMPABLE, 1);
	if (!opt_userns)
		return;
	if (unshare(CLONE_NEWUSER | CLONE_NEWNET))
		die("unshare(CLONE_NEWUSER | CLONE_NEWNET): %s", strerror(errno));
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %u 1", uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %u 1", gid);
	write_file("/proc/self/gid_map", map);
}

static int run_hook(const char *what, const char *cmd)
{
	pid_t pid;
	int status;

	printf("# %s hook: %s\n", what, cmd);
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork: %s", strerror(errno));
	if (!pid) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		die("waitpid: %s", strerror(errno));
	if (WIFEXITED(status) && !WEXITSTATUS(status))
		return 0;
	printf("# %s hook failed (status 0x%x)\n", what, status);
	return 1;
}

/* --- the run ---------------------------------------------------------------- */

static void open_main(void)
{
	if (fd_main >= 0)
		close(fd_main);
	fd_main = nl_open(pct(70), pct(50), pct(30));
}

static void join(int fd, uint32_t grp)
{
	if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		die("joining group %u: %s", grp, strerror(errno));
}

static unsigned char dgram[DGRAM_MAX];

/*
 * A mutated length can make the kernel see a message inside another one's
 * bytes; one that would be a request to another genetlink family becomes a
 * non-request (the fuzzer aims at its own family only).
 */
static void keep_to_family(size_t dlen)
{
	int k;

	walk(dgram, dlen);
	for (k = 0; k < n_vis; k++) {
		if (vis[k].type >= NLMSG_MIN_TYPE && vis[k].type <= GENL_ID_LIMIT &&
		    vis[k].type != family_id && (vis[k].flags & NLM_F_REQUEST)) {
			struct nlmsghdr nlh;
			unsigned char *p = dgram + (vis[k].p - dgram);

			memcpy(&nlh, p, sizeof(nlh));
			nlh.nlmsg_flags &= ~NLM_F_REQUEST;
			memcpy(p, &nlh, sizeof(nlh));
		}
	}
}
static struct gen gens[MAX_BATCH];

static void print_verbose(size_t dlen)
{
	int i;

	printf("# datagram %lu, message %lu:\n", st_dgrams, cur_msg);
	hexdump("sent", dgram, dlen);
	for (i = 0; i < n_replies; i++) {
		const struct reply *r = &replies[i];

		if (r->type == NLMSG_ERROR)
			printf("#   reply seq %u: ack %s\n", r->seq,
			       errname(-((const struct nlmsgerr *)(arena + r->off +
								   NLMSG_HDRLEN))->error));
		else
			printf("#   reply seq %u: type %u, %u bytes\n", r->seq, r->type, r->len);
	}
}

static void report(double took, int stopped_by_time)
{
	int e, c, first;

	printf("# sent: %lu messages in %lu datagrams (%lu with several messages), %lu bytes, "
	       "%.1f s (%.0f messages/s)%s\n", st_msgs, st_dgrams, st_batched, st_bytes, took,
	       took > 0 ? st_msgs / took : 0.0,
	       stopped_by_time ? ", stopped by the time limit" : "");
	printf("# valid (unmutated) messages: %lu; predicted by the model past the policy: %lu; "
	       "model resyncs: %lu\n", st_clean, st_predicted, st_resync);
	printf("# acks by errno:");
	for (e = 0, first = 1; e < MAX_ERRNO; e++) {
		if (!st_acks[e])
			continue;
		printf("%s %s %lu", first ? "" : ",", errname(e), st_acks[e]);
		first = 0;
	}
	printf("\n# dumps: NLMSG_DONE by errno:");
	for (e = 0, first = 1; e < MAX_ERRNO; e++) {
		if (!st_done[e])
			continue;
		printf("%s %s %lu", first ? "" : ",", errname(e), st_done[e]);
		first = 0;
	}
	printf("; family messages: %lu (do replies %lu)\n", st_entries, st_get_replies);
	printf("# messages without any reply (dropped, not requests, or success without "
	       "NLM_F_ACK): %lu; seen by the kernel but not requests to the family: %lu\n",
	       st_noreply, st_not_family);
	printf("# per command, requests to the family (after mutation) by outcome:\n");
	/* Commands of no operation are added up in slot 0. */
	for (c = 1; c < 256; c++) {
		if (op_by_cmd(c, ~0u) && c)
			continue;
		st_op_noreply[0] += st_op_noreply[c];
		st_op_dump[0] += st_op_dump[c];
		for (e = 0; e < MAX_ERRNO; e++)
			st_op_err[0][e] += st_op_err[c][e];
	}
	for (c = 0; c < 256; c++) {
		const struct fz_op *op = c ? op_by_cmd(c, ~0u) : NULL;
		unsigned long tot = st_op_noreply[c] + st_op_dump[c];

		if (c && !op)
			continue;
		for (e = 0; e < MAX_ERRNO; e++)
			tot += st_op_err[c][e];
		if (!tot)
			continue;
		if (op)
			printf("#   cmd %u (%s): %lu:", c, op->name, tot);
		else
			printf("#   other cmds (0, %u-255): %lu:", FZ_CMD_MAX + 1, tot);
		for (e = 0; e < MAX_ERRNO; e++)
			if (st_op_err[c][e])
				printf(" %s %lu", errname(e), st_op_err[c][e]);
		if (st_op_dump[c])
			printf(" dumped %lu", st_op_dump[c]);
		if (st_op_noreply[c])
			printf(" no-ack %lu", st_op_noreply[c]);
		printf("\n");
	}
	printf("# notifications: monitor %lu (lost: %lu overruns; %lu matched to the changes "
	       "acknowledged); dhost %lu (lost: %lu overruns;"
	       " bind %lu close %lu listen %lu accept %lu connect %lu)\n",
	       st_mon, st_mon_lost, st_ntf_checked, st_dh, st_dh_lost,
	       st_dh_events[FZ_E_SOCK_EVENT_BIND], st_dh_events[FZ_E_SOCK_EVENT_CLOSE],
	       st_dh_events[FZ_E_SOCK_EVENT_LISTEN], st_dh_events[FZ_E_SOCK_EVENT_ACCEPT],
	       st_dh_events[FZ_E_SOCK_EVENT_CONNECT]);
	if (binder_on) {
		printf("# claims: %lu seen, %lu answered on the side:", st_claims, st_answers);
		for (e = 0; e < MAX_ERRNO; e++)
			if (st_answer_err[e])
				printf(" %s %lu", errname(e), st_answer_err[e]);
		printf("\n");
	}
	printf("# request socket reopened %lu times\n", st_reopen);
}

/* The state read back with dumps against the model. */
static void final_check(void)
{
	int i, vrs = 0;
	int want_vrs = n_vrs, want_d = n_dhosts, want_o = n_owners;
	static uint8_t want[65536];
	static char names[65536][FZ_C_NAME_MAX_LEN + 1];
	struct iface saved[MAX_IFS];
	struct dhost_entry sd[MAX_DHOST];
	static struct owner_entry so[MAX_OWNERS];

	memcpy(want, vr_exists, sizeof(want));
	memcpy(names, vr_name, sizeof(names));
	memcpy(saved, ifs, sizeof(saved));
	memcpy(sd, dhosts, sizeof(sd));
	memcpy(so, owners, sizeof(so));
	cur_dgram = NULL;
	model_sync();
	for (i = 0; i < 65536; i++) {
		if (want[i] != vr_exists[i])
			surprise("final state: VR %d %s", i,
				 want[i] ? "is missing" : "exists, the model does not have it");
		else if (want[i] && strcmp(names[i], vr_name[i]))
			surprise("final state: VR %d named \"%s\", model \"%s\"", i, vr_name[i],
				 names[i]);
		vrs += vr_exists[i];
	}
	for (i = 0; i < n_ifs; i++)
		if (saved[i].vr != ifs[i].vr)
			surprise("final state: %s in VR %u, model: VR %u", ifs[i].name, ifs[i].vr,
				 saved[i].vr);
	if (n_dhosts != want_d)
		surprise("final state: %d dhost entries, model %d", n_dhosts, want_d);
	for (i = 0; i < want_d; i++) {
		struct dhost_entry *d = dhost_find(sd[i].vr, sd[i].addr);

		if (!d || memcmp(d, &sd[i], sizeof(*d)))
			surprise("final state: dhost %08x vr %u differs from the model",
				 ntohl(sd[i].addr), sd[i].vr);
	}
	if (n_owners != want_o)
		surprise("final state: %d owner entries, model %d", n_owners, want_o);
	for (i = 0; i < want_o; i++) {
		struct owner_entry *o = owner_find(&so[i].k);

		if (!o || o->member != so[i].member)
			surprise("final state: owner entry %d differs from the model", i);
	}
	printf("# final state: %d VRs (model %d), %d dhost entries, %d owner entries\n", vrs,
	       want_vrs, n_dhosts, n_owners);
}

/* --- cleanup ------------------------------------------------------------------ */

/* One request on a socket of its own: the errno of its ack, -1 without one. */
static int request(const struct fz_op *op, const uint16_t *types, const uint32_t *vals, int n)
{
	static uint32_t seq = 1000000;
	struct timeval tv = { .tv_sec = 5 };
	struct buf m;
	int fd, i, err = -1;

	fd = nl_open(1, 1, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	buf_init(&m, family_id, NLM_F_REQUEST | NLM_F_ACK, op->cmd, ++seq);
	for (i = 0; i < n; i++)
		buf_put(&m, types[i], &vals[i], 4);
	nl_send(fd, m.b, m.len);
	while (err < 0) {
		ssize_t r = nl_recv(fd, 1);
		struct nlmsghdr *nlh;
		size_t len;

		if (r <= 0)
			break;
		len = r;
		for (nlh = (struct nlmsghdr *)rbuf; NLMSG_OK(nlh, len); nlh = NLMSG_NEXT(nlh, len))
			if (nlh->nlmsg_seq == seq && nlh->nlmsg_type == NLMSG_ERROR)
				err = -((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
	}
	close(fd);
	return err;
}

/*
 * What the state left must allow: every distributed address can be deleted
 * (its ownership entries with it), every VR can be deleted once its
 * interfaces are assigned back to VR 0, and then only VR 0 is left.
 * Read with dumps; prints one "nlfuzz-result NAME ok|fail" line per point.
 */
static int cleanup(void)
{
	int vrs = 1, dh = 1, final = 1, i, k, err, n;
	static uint16_t ids[65536];

	printf("# cleanup: %d VRs, %d distributed addresses, %d ownership entries\n", n_vrs,
	       n_dhosts, n_owners);
	/* first: an interface with a distributed address does not change VR */
	n = n_dhosts;
	for (k = 0; k < n; k++) {
		uint16_t t[2] = { A_D_ADDR, A_D_VR };
		uint32_t v[2] = { dhosts[k].addr, dhosts[k].vr };

		err = request(O_DDEL, t, v, 2);
		if (err)
			printf("# dhost-del %08x vr %u: %s\n", ntohl(v[0]), v[1],
			       err < 0 ? "no answer" : errname(err));
		dh &= !err;
	}
	n = n_vrs;
	memcpy(ids, vr_ids, n * sizeof(ids[0]));
	for (k = 0; k < n; k++) {
		if (!ids[k])
			continue;
		for (i = 0; i < n_ifs; i++) {
			uint16_t t[2] = { A_IFINDEX, A_ID };
			uint32_t v[2] = { ifs[i].ifindex, 0 };

			if (ifs[i].vr != ids[k])
				continue;
			err = request(O_ASSIGN, t, v, 2);
			printf("# assign %s to VR 0 (from VR %u): %s\n", ifs[i].name, ids[k],
			       err < 0 ? "no answer" : errname(err));
			vrs &= !err;
		}
		{
			uint16_t t[1] = { A_ID };
			uint32_t v[1] = { ids[k] };

			err = request(O_DELETE, t, v, 1);
			if (err)
				printf("# delete VR %u: %s\n", ids[k],
				       err < 0 ? "no answer" : errname(err));
			vrs &= !err;
		}
	}
	model_sync();
	printf("# after the cleanup: %d VRs, %d distributed addresses, %d ownership entries\n",
	       n_vrs, n_dhosts, n_owners);
	final = n_vrs == 1 && vr_exists[0] && !n_dhosts && !n_owners;
	for (i = 0; i < n_ifs; i++)
		final &= !ifs[i].vr;
	printf("nlfuzz-result vrs-deleted %s\n", vrs ? "ok" : "fail");
	printf("nlfuzz-result dhost-deleted %s\n", dh ? "ok" : "fail");
	printf("nlfuzz-result only-vr0 %s\n", final ? "ok" : "fail");
	return !(vrs && dh && final);
}

/*
 * Sends messages until st_msgs reaches total (or limit seconds passed, if
 * not 0: then returns 1), checking each reply.
 */
static int fuzz(unsigned long total, double limit)
{
	double start, deadline;
	int i, batch, stopped = 0;
	static uint32_t seq = 100;

	open_main();
	start = now();
	deadline = limit ? start + limit : 0;
	while (st_msgs < total) {
		size_t dlen = 0;
		int has_claim = 0;

		if ((st_dgrams & 7) == 0 && deadline && now() > deadline) {
			stopped = 1;
			break;
		}
		if (pct(1) && pct(20)) {
			open_main();
			st_reopen++;
		}
		batch = pct(4) ? 2 + rnd(MAX_BATCH - 1) : 1;
		if ((unsigned long)batch > total - st_msgs)
			batch = total - st_msgs;
		cur_msg = st_msgs + 1;
		for (i = 0; i < batch; i++) {
			struct gen *g = &gens[i];

			if (i) {
				memset(dgram + dlen, 0, NLMSG_ALIGN(dlen) - dlen);
				dlen = NLMSG_ALIGN(dlen);
				if (DGRAM_MAX - dlen < MSG_MAX) {
					batch = i;
					break;
				}
			}
			gen_message(g);
			/* a big one may take the rest of the datagram */
			dlen += serialize(g, dgram + dlen, g->big ? DGRAM_MAX - dlen : MSG_MAX,
					  ++seq);
			st_clean += g->clean;
			has_claim |= g->cmd == O_CLAIM->cmd;
		}
		keep_to_family(dlen);
		for (i = 0; i < n_vis; i++)
			remember_sent(vis[i].p, vis[i].len);
		st_msgs += batch;
		st_dgrams++;
		st_batched += batch > 1;
		st_bytes += dlen;
		if (binder_on && (has_claim || (st_dgrams & 7) == 0))
			drain_dh();
		n_replies = 0;
		arena_len = 0;
		replies_lost = 0;
		nl_send(fd_main, dgram, dlen);
		drain_main();
		cur_dgram = dgram;
		cur_dlen = dlen;
		if (verbose)
			print_verbose(dlen);
		check_datagram(dgram, dlen);
		cur_dgram = NULL;
		if ((st_dgrams & 31) == 0)
			drain_mon();
		if (st_msgs / 20000 != (st_msgs - batch) / 20000)
			printf("# progress: %lu messages, %.1f s\n", st_msgs, now() - start);
	}
	drain_mon();
	return stopped;
}

static void usage(const char *why)
{
	if (why)
		fprintf(stderr, "%s: %s\n", prog, why);
	fprintf(stderr,
		"usage: %s [-n COUNT] [-s SEED] [-t SECONDS] [-v] [--uid UID [--userns]]\n"
		"          [--no-binder] [--before CMD] [--after CMD] [--cleanup]\n"
		"          [--leave COUNT [--leave-time SECONDS]]\n", prog);
	exit(EXIT_USAGE);
}

static unsigned long long num_arg(const char *s, const char *what)
{
	unsigned long long v;
	char *end;

	if (!s || !*s || *s == '-')
		usage(what);
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end)
		usage(what);
	return v;
}

int main(int argc, char **argv)
{
	double start, fuzz_end, t0 = now();
	int i, seed_given = 0, stopped, hook_failed = 0;

	for (i = 1; i < argc; i++) {
		const char *o = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "-n")) {
			n_msgs = num_arg(val, "-n wants a count");
			i++;
		} else if (!strcmp(o, "-s")) {
			seed = num_arg(val, "-s wants a number");
			seed_given = 1;
			i++;
		} else if (!strcmp(o, "-t")) {
			time_limit = num_arg(val, "-t wants seconds");
			i++;
		} else if (!strcmp(o, "-v")) {
			verbose = 1;
		} else if (!strcmp(o, "--uid")) {
			opt_uid = num_arg(val, "--uid wants a uid");
			i++;
		} else if (!strcmp(o, "--userns")) {
			opt_userns = 1;
		} else if (!strcmp(o, "--no-binder")) {
			opt_no_binder = 1;
		} else if (!strcmp(o, "--cleanup")) {
			opt_cleanup = 1;
		} else if (!strcmp(o, "--leave")) {
			opt_leave = num_arg(val, "--leave wants a count");
			i++;
		} else if (!strcmp(o, "--leave-time")) {
			opt_leave_time = num_arg(val, "--leave-time wants seconds");
			i++;
		} else if (!strcmp(o, "--before") && val) {
			hook_before = val;
			i++;
		} else if (!strcmp(o, "--after") && val) {
			hook_after = val;
			i++;
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			usage(NULL);
		} else {
			usage("unknown argument");
		}
	}
	if (opt_userns && opt_uid < 0)
		usage("--userns needs --uid");
	if (!seed_given) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000003u ^ ts.tv_nsec ^ (uint64_t)getpid() << 32;
		seed &= 0xffffffffffffULL;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	R.s = seed;
	S.s = seed ^ 0x6a09e667f3bcc909ULL;

	switch_identity();
	admin = opt_uid < 0 || opt_userns;
	if (hook_before)
		hook_failed |= run_hook("before", hook_before);

	resolve_spec();
	build_policies();
	read_netns();
	fd_ans = nl_open(0, 1, 0);
	resolve_family(fd_ans);
	check_groups();
	read_limits();
	fd_mon = nl_open(0, 1, 0);
	if (grp_monitor)
		join(fd_mon, grp_monitor);
	binder_on = admin && !opt_no_binder && grp_dhost;
	if (binder_on) {
		fd_dh = nl_open(0, 1, 0);
		join(fd_dh, grp_dhost);
	}
	model_sync();

	printf("# vr-nlfuzz: seed 0x%" PRIx64 ", %lu messages, time limit %s%.0f s, "
	       "uid %ld%s, %s CAP_NET_ADMIN over the netns, binder %s\n",
	       seed, n_msgs, time_limit ? "" : "none ", time_limit, (long)getuid(),
	       opt_userns ? " (root in a new user+net namespace)" : "",
	       admin ? "with" : "without", binder_on ? "on" : "off");
	printf("# family \"%s\" id %u, groups monitor %u dhost %u; %d interfaces, %d IPv4 "
	       "addresses; start: %d VRs, %d dhost, %d owner entries\n",
	       FZ_FAMILY_NAME, family_id, grp_monitor, grp_dhost, n_ifs, n_addrs, n_vrs,
	       n_dhosts, n_owners);
	printf("# replay: vr-nlfuzz -s 0x%" PRIx64 " -n %lu", seed, n_msgs);
	if (opt_uid >= 0)
		printf(" --uid %ld%s", opt_uid, opt_userns ? " --userns" : "");
	printf(" (the same requests%s)\n",
	       binder_on ? "; the binder's claims depend on timing, --no-binder has none" : "");

	drain_mon();
	if (binder_on)
		binder_start();
	start = now();
	stopped = fuzz(n_msgs, time_limit);
	fuzz_end = now();
	binder_stop();
	drain_dh();
	report(fuzz_end - start, stopped);
	final_check();
	printf("# %.1f s in all\n", now() - t0);
	printf("# surprising: %lu\n", st_surprises);
	if (hook_after)
		hook_failed |= run_hook("after", hook_after);
	if (opt_cleanup && admin)
		hook_failed |= cleanup();
	if (opt_leave && admin) {
		unsigned long before = st_surprises, sent = st_msgs;

		/* More state for the netns to take along when it goes. */
		model_sync();
		drain_mon();
		stopped = fuzz(st_msgs + opt_leave, opt_leave_time);
		printf("# left behind: %d VRs, %d distributed addresses, %d ownership entries "
		       "(%lu more messages%s); surprising in them: %lu\n", n_vrs, n_dhosts,
		       n_owners, st_msgs - sent, stopped ? ", stopped by the time limit" : "",
		       st_surprises - before);
	}
	return st_surprises || hook_failed ? EXIT_SURPRISE : EXIT_OK;
}
