// SPDX-License-Identifier: GPL-2.0
/* LWT xmit program (ip route add FROM/32 encap bpf xmit obj lwt_reroute.o
 * sec lwt_xmit dev DEV): rewrite an IPv4 destination FROM_ADDR into
 * TO_ADDR (IP and UDP/TCP checksums fixed) and return BPF_LWT_REROUTE, so
 * that bpf_lwt_xmit_reroute() routes TO_ADDR again. Other packets: BPF_OK.
 * -DFROM_ADDR=0x...  -DTO_ADDR=0x... (host-order u32, default 10.98.0.2 and
 * 10.99.0.2).
 */
#include "bpf_mini.h"
#include <linux/in.h>
#include <linux/ip.h>
#include <stddef.h>
#ifndef FROM_ADDR
#define FROM_ADDR 0x0a620002 /* 10.98.0.2 */
#endif
#ifndef TO_ADDR
#define TO_ADDR 0x0a630002 /* 10.99.0.2 */
#endif

SEC("lwt_xmit")
int reroute(struct __sk_buff *skb)
{
	__u32 from = bpf_htonl(FROM_ADDR), to = bpf_htonl(TO_ADDR);
	struct iphdr ip;
	__u32 csum_off, l4flags = BPF_F_PSEUDO_HDR | sizeof(to);

	/* LWT programs see the packet from its IP header on. */
	if (bpf_skb_load_bytes(skb, 0, &ip, sizeof(ip)) || ip.version != 4 ||
	    ip.ihl != 5 || ip.daddr != from)
		return BPF_OK;
	if (ip.protocol == IPPROTO_UDP) {
		csum_off = sizeof(ip) + 6;
		l4flags |= BPF_F_MARK_MANGLED_0;	/* UDP: 0 = no checksum */
	} else if (ip.protocol == IPPROTO_TCP) {
		csum_off = sizeof(ip) + 16;
	} else {
		csum_off = 0;
	}
	if (csum_off && bpf_l4_csum_replace(skb, csum_off, from, to, l4flags))
		return BPF_DROP;
	if (bpf_l3_csum_replace(skb, offsetof(struct iphdr, check), from, to, sizeof(to)))
		return BPF_DROP;
	if (bpf_skb_store_bytes(skb, offsetof(struct iphdr, daddr), &to, sizeof(to), 0))
		return BPF_DROP;
	return BPF_LWT_REROUTE;
}

char _license[] SEC("license") = "GPL";
