// SPDX-License-Identifier: GPL-2.0
/* tc (clsact, direct-action) programs: look the packet's IPv4 UDP/TCP
 * destination up with bpf_sk_lookup_udp/_tcp or bpf_skc_lookup_tcp in the
 * current netns and report in skb->mark what was found:
 *   0x0      not IPv4 UDP/TCP (untouched)
 *   0xdead   no socket found
 *   sk->mark the found socket's SO_MARK (set it distinct per VR), or
 *   0x1      found, SO_MARK 0
 * skb->mark survives to netfilter, so `nft ... meta mark 0xdead counter`
 * (nft is in the guest) observes the result. Always TC_ACT_OK.
 */
#include "bpf_mini.h"
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>

/* IPv4 header without options at offset ETH_HLEN; ports right after it. */
static __always_inline int get_tuple(struct __sk_buff *skb, __u8 proto, struct bpf_sock_tuple *t)
{
	struct iphdr ip;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return -1;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)))
		return -1;
	if (ip.ihl != 5 || ip.protocol != proto)
		return -1;
	t->ipv4.saddr = ip.saddr;
	t->ipv4.daddr = ip.daddr;
	/* sport and dport are adjacent, as in the UDP and TCP headers */
	if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip), &t->ipv4.sport, 4))
		return -1;
	return 0;
}

static __always_inline void report(struct __sk_buff *skb, struct bpf_sock *sk)
{
	if (!sk) {
		skb->mark = 0xdead;
		return;
	}
	skb->mark = sk->mark ? sk->mark : 1;
	bpf_sk_release(sk);
}

SEC("tc/udp")
int lookup_udp(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};

	if (get_tuple(skb, IPPROTO_UDP, &t))
		return TC_ACT_OK;
	report(skb, bpf_sk_lookup_udp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0));
	return TC_ACT_OK;
}

SEC("tc/tcp")
int lookup_tcp(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};

	if (get_tuple(skb, IPPROTO_TCP, &t))
		return TC_ACT_OK;
	report(skb, bpf_sk_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0));
	return TC_ACT_OK;
}

/* skc: may return a request or timewait sock (struct sock_common): mark is
 * not readable there, so report only found (1) / not found.
 */
SEC("tc/skc")
int lookup_skc(struct __sk_buff *skb)
{
	struct bpf_sock_tuple t = {};
	struct bpf_sock *sk;

	if (get_tuple(skb, IPPROTO_TCP, &t))
		return TC_ACT_OK;
	sk = bpf_skc_lookup_tcp(skb, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
	if (!sk) {
		skb->mark = 0xdead;
		return TC_ACT_OK;
	}
	skb->mark = 1;
	bpf_sk_release(sk);
	return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
