// SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause)
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vr.yaml */
/* YNL-GEN kernel source */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#include <net/netlink.h>
#include <net/genetlink.h>

#include "vr_nl_gen.h"

#include <uapi/linux/vr.h>

/* Integer value ranges */
static const struct netlink_range_validation vr_a_id_range = {
	.max	= VR_ID_MAX,
};

static const struct netlink_range_validation vr_a_dhost_vr_range = {
	.max	= VR_ID_MAX,
};

static const struct netlink_range_validation vr_a_dhost_member_range = {
	.min	= 1ULL,
	.max	= VR_MEMBER_MAX,
};

static const struct netlink_range_validation vr_a_dhost_lead_range = {
	.min	= 0ULL,
	.max	= VR_MEMBER_MAX,
};

static const struct netlink_range_validation vr_a_owner_vr_range = {
	.max	= VR_ID_MAX,
};

static const struct netlink_range_validation vr_a_owner_port_range = {
	.max	= 65535ULL,
};

static const struct netlink_range_validation vr_a_owner_port_last_range = {
	.max	= 65535ULL,
};

static const struct netlink_range_validation vr_a_owner_remote_port_range = {
	.min	= 1ULL,
	.max	= 65535ULL,
};

static const struct netlink_range_validation vr_a_owner_member_range = {
	.min	= 1ULL,
	.max	= VR_MEMBER_MAX,
};

/* Common nested types */
const struct nla_policy vr_owner_entry_nl_policy[VR_A_OWNER_REMOTE6 + 1] = {
	[VR_A_OWNER_ADDR] = { .type = NLA_BE32, },
	[VR_A_OWNER_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_OWNER_VR] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_vr_range),
	[VR_A_OWNER_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[VR_A_OWNER_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_port_range),
	[VR_A_OWNER_PORT_LAST] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_port_last_range),
	[VR_A_OWNER_REMOTE] = { .type = NLA_BE32, },
	[VR_A_OWNER_REMOTE6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_OWNER_REMOTE_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_remote_port_range),
	[VR_A_OWNER_MEMBER] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_member_range),
};

/* VR_CMD_CREATE - do */
static const struct nla_policy vr_create_nl_policy[VR_A_NAME + 1] = {
	[VR_A_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_id_range),
	[VR_A_NAME] = { .type = NLA_NUL_STRING, .len = VR_NAME_MAX_LEN, },
};

/* VR_CMD_DELETE - do */
static const struct nla_policy vr_delete_nl_policy[VR_A_ID + 1] = {
	[VR_A_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_id_range),
};

/* VR_CMD_GET - do */
static const struct nla_policy vr_get_nl_policy[VR_A_ID + 1] = {
	[VR_A_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_id_range),
};

/* VR_CMD_ASSIGN - do */
static const struct nla_policy vr_assign_nl_policy[VR_A_IFINDEX + 1] = {
	[VR_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VR_A_ID] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_id_range),
};

/* VR_CMD_DHOST_SET - do */
static const struct nla_policy vr_dhost_set_nl_policy[VR_A_DHOST_ADDR6 + 1] = {
	[VR_A_DHOST_ADDR] = { .type = NLA_BE32, },
	[VR_A_DHOST_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_DHOST_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[VR_A_DHOST_MEMBER] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_dhost_member_range),
	[VR_A_DHOST_LEAD] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_dhost_lead_range),
};

/* VR_CMD_DHOST_DEL - do */
static const struct nla_policy vr_dhost_del_nl_policy[VR_A_DHOST_ADDR6 + 1] = {
	[VR_A_DHOST_ADDR] = { .type = NLA_BE32, },
	[VR_A_DHOST_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_DHOST_VR] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_dhost_vr_range),
};

/* VR_CMD_OWNER_SET - do */
static const struct nla_policy vr_owner_set_nl_policy[VR_A_OWNER_REMOTE6 + 1] = {
	[VR_A_OWNER_ADDR] = { .type = NLA_BE32, },
	[VR_A_OWNER_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_OWNER_VR] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_vr_range),
	[VR_A_OWNER_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[VR_A_OWNER_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_port_range),
	[VR_A_OWNER_PORT_LAST] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_port_last_range),
	[VR_A_OWNER_REMOTE] = { .type = NLA_BE32, },
	[VR_A_OWNER_REMOTE6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_OWNER_REMOTE_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_remote_port_range),
	[VR_A_OWNER_MEMBER] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_member_range),
};

/* VR_CMD_OWNER_DEL - do */
static const struct nla_policy vr_owner_del_nl_policy[VR_A_OWNER_REMOTE6 + 1] = {
	[VR_A_OWNER_ADDR] = { .type = NLA_BE32, },
	[VR_A_OWNER_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_OWNER_VR] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_vr_range),
	[VR_A_OWNER_PROTO] = NLA_POLICY_MAX(NLA_U32, 255),
	[VR_A_OWNER_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_port_range),
	[VR_A_OWNER_PORT_LAST] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_port_last_range),
	[VR_A_OWNER_REMOTE] = { .type = NLA_BE32, },
	[VR_A_OWNER_REMOTE6] = NLA_POLICY_EXACT_LEN(16),
	[VR_A_OWNER_REMOTE_PORT] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_remote_port_range),
	[VR_A_OWNER_MEMBER] = NLA_POLICY_FULL_RANGE(NLA_U32, &vr_a_owner_member_range),
};

/* VR_CMD_CLAIM_ANSWER - do */
static const struct nla_policy vr_claim_answer_nl_policy[VR_A_SOCK_ERRNO + 1] = {
	[VR_A_SOCK_COOKIE] = NLA_POLICY_MIN(NLA_U32, 1),
	[VR_A_SOCK_ERRNO] = NLA_POLICY_MAX(NLA_U32, 4095),
};

/* VR_CMD_OWNER_BATCH - do */
static const struct nla_policy vr_owner_batch_nl_policy[VR_A_OWNER_BATCH_MISSING_OK + 1] = {
	[VR_A_OWNER_BATCH_SET] = NLA_POLICY_NESTED(vr_owner_entry_nl_policy),
	[VR_A_OWNER_BATCH_DEL] = NLA_POLICY_NESTED(vr_owner_entry_nl_policy),
	[VR_A_OWNER_BATCH_MISSING_OK] = { .type = NLA_FLAG, },
};

/* Ops table for vr */
static const struct genl_split_ops vr_nl_ops[] = {
	{
		.cmd		= VR_CMD_CREATE,
		.doit		= vr_nl_create_doit,
		.policy		= vr_create_nl_policy,
		.maxattr	= VR_A_NAME,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VR_CMD_DELETE,
		.doit		= vr_nl_delete_doit,
		.policy		= vr_delete_nl_policy,
		.maxattr	= VR_A_ID,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VR_CMD_GET,
		.doit		= vr_nl_get_doit,
		.policy		= vr_get_nl_policy,
		.maxattr	= VR_A_ID,
		.flags		= GENL_CMD_CAP_DO,
	},
	{
		.cmd	= VR_CMD_GET,
		.dumpit	= vr_nl_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VR_CMD_ASSIGN,
		.doit		= vr_nl_assign_doit,
		.policy		= vr_assign_nl_policy,
		.maxattr	= VR_A_IFINDEX,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VR_CMD_DHOST_SET,
		.doit		= vr_nl_dhost_set_doit,
		.policy		= vr_dhost_set_nl_policy,
		.maxattr	= VR_A_DHOST_ADDR6,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VR_CMD_DHOST_DEL,
		.doit		= vr_nl_dhost_del_doit,
		.policy		= vr_dhost_del_nl_policy,
		.maxattr	= VR_A_DHOST_ADDR6,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= VR_CMD_DHOST_GET,
		.dumpit	= vr_nl_dhost_get_dumpit,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VR_CMD_OWNER_SET,
		.doit		= vr_nl_owner_set_doit,
		.policy		= vr_owner_set_nl_policy,
		.maxattr	= VR_A_OWNER_REMOTE6,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VR_CMD_OWNER_DEL,
		.doit		= vr_nl_owner_del_doit,
		.policy		= vr_owner_del_nl_policy,
		.maxattr	= VR_A_OWNER_REMOTE6,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd	= VR_CMD_OWNER_GET,
		.dumpit	= vr_nl_owner_get_dumpit,
		.done	= vr_nl_owner_get_done,
		.flags	= GENL_CMD_CAP_DUMP,
	},
	{
		.cmd		= VR_CMD_CLAIM_ANSWER,
		.doit		= vr_nl_claim_answer_doit,
		.policy		= vr_claim_answer_nl_policy,
		.maxattr	= VR_A_SOCK_ERRNO,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
	{
		.cmd		= VR_CMD_OWNER_BATCH,
		.doit		= vr_nl_owner_batch_doit,
		.policy		= vr_owner_batch_nl_policy,
		.maxattr	= VR_A_OWNER_BATCH_MISSING_OK,
		.flags		= GENL_UNS_ADMIN_PERM | GENL_CMD_CAP_DO,
	},
};

static const struct genl_multicast_group vr_nl_mcgrps[] = {
	[VR_NLGRP_MONITOR] = { "monitor", },
	[VR_NLGRP_DHOST] = { "dhost", .flags = GENL_MCAST_CAP_NET_ADMIN, },
};

struct genl_family vr_nl_family __ro_after_init = {
	.name		= VR_FAMILY_NAME,
	.version	= VR_FAMILY_VERSION,
	.netnsok	= true,
	.parallel_ops	= true,
	.module		= THIS_MODULE,
	.split_ops	= vr_nl_ops,
	.n_split_ops	= ARRAY_SIZE(vr_nl_ops),
	.mcgrps		= vr_nl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(vr_nl_mcgrps),
};
