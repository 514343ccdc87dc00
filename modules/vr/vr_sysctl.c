// SPDX-License-Identifier: GPL-2.0-only
/*
 * The net.vr sysctls of a network namespace (Documentation/networking/vr.rst):
 *
 *   net.vr.max_vrs: how many VRs besides VR 0 the namespace may have
 *   (default 1024, at most 65535). Only the namespaces of the initial user
 *   namespace may change it: in the namespaces of any other user namespace,
 *   which any user may create, it is read-only, so that no user can raise
 *   its own limit.
 *
 * Plumbing only: the policy (vr_main.rs) reads the value with vr_max_vrs().
 */
#include <linux/slab.h>
#include <linux/sysctl.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "vr_sysctl.h"

#define VR_MAX_VRS_DEFAULT	1024

struct vr_sysctl_net {
	int max_vrs;
	struct ctl_table_header *hdr;
};

static unsigned int vr_sysctl_id __read_mostly;
static int vr_max_vrs_limit = 65535;

static const struct ctl_table vr_sysctl_table[] = {
	{
		.procname	= "max_vrs",
		.maxlen		= sizeof(int),
		.mode		= 0644,
		.proc_handler	= proc_dointvec_minmax,
		.extra1		= SYSCTL_ZERO,
		.extra2		= &vr_max_vrs_limit,
	},
};

static int __net_init vr_sysctl_net_init(struct net *net)
{
	struct vr_sysctl_net *vn = net_generic(net, vr_sysctl_id);
	struct ctl_table *table;

	vn->max_vrs = VR_MAX_VRS_DEFAULT;
	if (!IS_ENABLED(CONFIG_SYSCTL))
		return 0;
	table = kmemdup(vr_sysctl_table, sizeof(vr_sysctl_table), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table[0].data = &vn->max_vrs;
	if (net->user_ns != &init_user_ns)
		table[0].mode &= ~0222;
	vn->hdr = register_net_sysctl_sz(net, "net/vr", table,
					 ARRAY_SIZE(vr_sysctl_table));
	if (!vn->hdr) {
		kfree(table);
		return -ENOMEM;
	}
	return 0;
}

static void __net_exit vr_sysctl_net_exit(struct net *net)
{
	struct vr_sysctl_net *vn = net_generic(net, vr_sysctl_id);
	const struct ctl_table *table;

	if (!vn->hdr)
		return;
	table = vn->hdr->ctl_table_arg;
	unregister_net_sysctl_table(vn->hdr);
	kfree(table);
}

static struct pernet_operations vr_sysctl_ops = {
	.init = vr_sysctl_net_init,
	.exit = vr_sysctl_net_exit,
	.id = &vr_sysctl_id,
	.size = sizeof(struct vr_sysctl_net),
};

int vr_sysctl_init(void)
{
	return register_pernet_subsys(&vr_sysctl_ops);
}

void vr_sysctl_exit(void)
{
	unregister_pernet_subsys(&vr_sysctl_ops);
}

int vr_max_vrs(const struct net *net)
{
	const struct vr_sysctl_net *vn = net_generic(net, vr_sysctl_id);

	return READ_ONCE(vn->max_vrs);
}
