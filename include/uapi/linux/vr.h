/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vr.yaml */
/* YNL-GEN uapi header */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#ifndef _UAPI_LINUX_VR_H
#define _UAPI_LINUX_VR_H

#define VR_FAMILY_NAME		"vr"
#define VR_FAMILY_VERSION	1

#define VR_ID_MAX	65535
#define VR_NAME_MAX_LEN	31
#define VR_TABLE_BASE	65536
#define VR_MEMBER_MAX	65535
#define VR_OWNER_MAX	524288
#define VR_RANGE_MAX	4096
#define VR_BATCH_MAX	1024

/**
 * enum vr_sock_event - What a socket on a distributed address did (sock-ntf).
 * @VR_SOCK_EVENT_BIND: Bound to a port: a claim. The bind waits for
 *   claim-answer with the notification's cookie and fails with the answer's
 *   errno.
 * @VR_SOCK_EVENT_CLOSE: Gave up the port it claimed at bind (closed, or its
 *   bind was undone), as the bind's notification without a cookie; or, with
 *   remote (remote6) and remote-port, the end of a connection of an accept or
 *   connect event.
 * @VR_SOCK_EVENT_LISTEN: A TCP socket started listening (no answer expected).
 * @VR_SOCK_EVENT_ACCEPT: A TCP connection was accepted: addr (addr6), port,
 *   remote (remote6) and remote-port are its four-tuple (no answer expected).
 * @VR_SOCK_EVENT_CONNECT: A TCP or UDP socket connected (a TCP connect in
 *   progress counts): its four-tuple, the port from the member's ephemeral
 *   range unless bound before (no answer expected).
 */
enum vr_sock_event {
	VR_SOCK_EVENT_BIND = 1,
	VR_SOCK_EVENT_CLOSE,
	VR_SOCK_EVENT_LISTEN,
	VR_SOCK_EVENT_ACCEPT,
	VR_SOCK_EVENT_CONNECT,
};

enum {
	VR_A_ID = 1,
	VR_A_NAME,
	VR_A_TABLE,
	VR_A_IFINDEX,
	VR_A_IFACE,
	VR_A_STATS,

	__VR_A_MAX,
	VR_A_MAX = (__VR_A_MAX - 1)
};

enum {
	VR_A_IFACE_IFINDEX = 1,
	VR_A_IFACE_NAME,

	__VR_A_IFACE_MAX,
	VR_A_IFACE_MAX = (__VR_A_IFACE_MAX - 1)
};

enum {
	VR_A_STATS_RX_PACKETS = 1,
	VR_A_STATS_TX_PACKETS,
	VR_A_STATS_FWD_PACKETS,
	VR_A_STATS_DROP_PACKETS,

	__VR_A_STATS_MAX,
	VR_A_STATS_MAX = (__VR_A_STATS_MAX - 1)
};

enum {
	VR_A_DHOST_ADDR = 1,
	VR_A_DHOST_VR,
	VR_A_DHOST_IFINDEX,
	VR_A_DHOST_MEMBER,
	VR_A_DHOST_LEAD,
	VR_A_DHOST_ADDR6,

	__VR_A_DHOST_MAX,
	VR_A_DHOST_MAX = (__VR_A_DHOST_MAX - 1)
};

enum {
	VR_A_OWNER_ADDR = 1,
	VR_A_OWNER_VR,
	VR_A_OWNER_PROTO,
	VR_A_OWNER_PORT,
	VR_A_OWNER_PORT_LAST,
	VR_A_OWNER_REMOTE,
	VR_A_OWNER_REMOTE_PORT,
	VR_A_OWNER_MEMBER,
	VR_A_OWNER_ADDR6,
	VR_A_OWNER_REMOTE6,

	__VR_A_OWNER_MAX,
	VR_A_OWNER_MAX = (__VR_A_OWNER_MAX - 1)
};

enum {
	VR_A_OWNER_BATCH_SET = 1,
	VR_A_OWNER_BATCH_DEL,
	VR_A_OWNER_BATCH_MISSING_OK,

	__VR_A_OWNER_BATCH_MAX,
	VR_A_OWNER_BATCH_MAX = (__VR_A_OWNER_BATCH_MAX - 1)
};

enum {
	VR_A_SOCK_EVENT = 1,
	VR_A_SOCK_COOKIE,
	VR_A_SOCK_ADDR,
	VR_A_SOCK_VR,
	VR_A_SOCK_PROTO,
	VR_A_SOCK_PORT,
	VR_A_SOCK_ERRNO,
	VR_A_SOCK_REMOTE,
	VR_A_SOCK_REMOTE_PORT,
	VR_A_SOCK_ADDR6,
	VR_A_SOCK_REMOTE6,

	__VR_A_SOCK_MAX,
	VR_A_SOCK_MAX = (__VR_A_SOCK_MAX - 1)
};

enum {
	VR_CMD_CREATE = 1,
	VR_CMD_DELETE,
	VR_CMD_GET,
	VR_CMD_ASSIGN,
	VR_CMD_CREATE_NTF,
	VR_CMD_DELETE_NTF,
	VR_CMD_CHANGE_NTF,
	VR_CMD_DHOST_SET,
	VR_CMD_DHOST_DEL,
	VR_CMD_DHOST_GET,
	VR_CMD_OWNER_SET,
	VR_CMD_OWNER_DEL,
	VR_CMD_OWNER_GET,
	VR_CMD_SOCK_NTF,
	VR_CMD_CLAIM_ANSWER,
	VR_CMD_OWNER_BATCH,

	__VR_CMD_MAX,
	VR_CMD_MAX = (__VR_CMD_MAX - 1)
};

#define VR_MCGRP_MONITOR	"monitor"
#define VR_MCGRP_DHOST		"dhost"

#endif /* _UAPI_LINUX_VR_H */
