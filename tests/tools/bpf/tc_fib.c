// SPDX-License-Identifier: GPL-2.0
/* tc programs for bpf_fib_lookup and bpf_redirect_neigh.
 *   tc/fib, tc/fib_direct, tc/fib_main: look the IPv4 packet's destination
 *     up (flags 0; BPF_FIB_LOOKUP_DIRECT; DIRECT in the main table, with
 *     BPF_FIB_LOOKUP_TBID) as if forwarded from the ingress device;
 *     skb->mark = 0x1000000 | rc << 16 | (egress ifindex & 0xffff)
 *     (rc: BPF_FIB_LKUP_RET_*; 0 = success). TC_ACT_OK.
 *   tc/fib6: the same for an IPv6 packet (flags 0).
 *   tc/redirect_neigh: bpf_redirect_neigh(REDIR_IFINDEX, NULL) (no nexthop:
 *     the kernel routes the destination itself) for every IPv4 packet;
 *   tc/redirect_neigh6: the same for every IPv6 packet.
 * REDIR_IFINDEX: -DREDIR_IFINDEX=N at build time (default 100: create the
 * egress device with `ip link add ... index 100`).
 */
#include "bpf_mini.h"
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#ifndef AF_INET
#define AF_INET 2
#endif
#ifndef AF_INET6
#define AF_INET6 10
#endif
#ifndef REDIR_IFINDEX
#define REDIR_IFINDEX 100
#endif

static __always_inline int fib(struct __sk_buff *skb, struct bpf_fib_lookup *p, __u32 flags)
{
	struct iphdr ip;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return -1;
	p->family = AF_INET;
	p->tos = ip.tos;
	p->l4_protocol = ip.protocol;
	p->tot_len = bpf_htons(ip.tot_len) ; /* host order, as the kernel expects */
	p->ipv4_src = ip.saddr;
	p->ipv4_dst = ip.daddr;
	p->ifindex = skb->ingress_ifindex;
	return bpf_fib_lookup(skb, p, sizeof(*p), flags);
}

static __always_inline int report(struct __sk_buff *skb, __u32 flags)
{
	struct bpf_fib_lookup p = {};
	int rc;

	if (flags & BPF_FIB_LOOKUP_TBID)
		p.tbid = 254;	/* RT_TABLE_MAIN */
	rc = fib(skb, &p, flags);

	if (rc >= 0)
		skb->mark = 0x1000000 | (rc & 0xff) << 16 | (p.ifindex & 0xffff);
	return TC_ACT_OK;
}

SEC("tc/fib")
int fib_plain(struct __sk_buff *skb) { return report(skb, 0); }

SEC("tc/fib_direct")
int fib_direct(struct __sk_buff *skb) { return report(skb, BPF_FIB_LOOKUP_DIRECT); }

SEC("tc/fib_main")
int fib_main(struct __sk_buff *skb)
{
	return report(skb, BPF_FIB_LOOKUP_DIRECT | BPF_FIB_LOOKUP_TBID);
}

SEC("tc/fib6")
int fib6(struct __sk_buff *skb)
{
	struct bpf_fib_lookup p = {};
	struct ipv6hdr ip6;
	int rc;

	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip6, sizeof(ip6)))
		return TC_ACT_OK;
	p.family = AF_INET6;
	p.l4_protocol = ip6.nexthdr;
	p.tot_len = bpf_htons(ip6.payload_len) + sizeof(ip6);
	__builtin_memcpy(p.ipv6_src, &ip6.saddr, sizeof(p.ipv6_src));
	__builtin_memcpy(p.ipv6_dst, &ip6.daddr, sizeof(p.ipv6_dst));
	p.ifindex = skb->ingress_ifindex;
	rc = bpf_fib_lookup(skb, &p, sizeof(p), 0);
	if (rc >= 0)
		skb->mark = 0x1000000 | (rc & 0xff) << 16 | (p.ifindex & 0xffff);
	return TC_ACT_OK;
}

SEC("tc/redirect_neigh6")
int redir_neigh6(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IPV6))
		return TC_ACT_OK;
	return bpf_redirect_neigh(REDIR_IFINDEX, 0, 0, 0);
}

SEC("tc/redirect_neigh")
int redir_neigh(struct __sk_buff *skb)
{
	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	return bpf_redirect_neigh(REDIR_IFINDEX, 0, 0, 0);
}

char _license[] SEC("license") = "GPL";
