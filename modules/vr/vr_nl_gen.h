/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause) */
/* Do not edit directly, auto-generated from: */
/*	Documentation/netlink/specs/vr.yaml */
/* YNL-GEN kernel header */
/* To regenerate run: tools/net/ynl/ynl-regen.sh */

#ifndef _LINUX_VR_GEN_H
#define _LINUX_VR_GEN_H

#include <net/netlink.h>
#include <net/genetlink.h>

#include <uapi/linux/vr.h>

/* Common nested types */
extern const struct nla_policy vr_owner_entry_nl_policy[VR_A_OWNER_REMOTE6 + 1];

int vr_nl_owner_get_done(struct netlink_callback *cb);

int vr_nl_create_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_delete_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_get_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vr_nl_assign_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_dhost_set_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_dhost_del_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_dhost_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vr_nl_owner_set_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_owner_del_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_owner_get_dumpit(struct sk_buff *skb, struct netlink_callback *cb);
int vr_nl_claim_answer_doit(struct sk_buff *skb, struct genl_info *info);
int vr_nl_owner_batch_doit(struct sk_buff *skb, struct genl_info *info);

enum {
	VR_NLGRP_MONITOR,
	VR_NLGRP_DHOST,
};

extern struct genl_family vr_nl_family;

#endif /* _LINUX_VR_GEN_H */
