/* SPDX-License-Identifier: GPL-2.0-only */
/* The net.vr sysctls, see vr_sysctl.c. */
#ifndef _NET_VR_VR_SYSCTL_H
#define _NET_VR_VR_SYSCTL_H

struct net;

int vr_sysctl_init(void);
void vr_sysctl_exit(void);
int vr_max_vrs(const struct net *net);

#endif
