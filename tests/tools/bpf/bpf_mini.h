/* SPDX-License-Identifier: GPL-2.0 */
/* Minimal stand-in for libbpf's bpf_helpers.h: only what the VR selftest
 * programs use, so no libbpf-dev is needed to compile them. Helper numbers
 * come from <linux/bpf.h> (BPF_FUNC_*), so they always match the uapi.
 */
#ifndef BPF_MINI_H
#define BPF_MINI_H
#include <linux/types.h>
#include <linux/bpf.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) __typeof__(val) *name

/* Byte order: BPF target is little-endian on x86 hosts (-target bpf = host order). */
#define bpf_htons(x) __builtin_bswap16(x)
#define bpf_htonl(x) __builtin_bswap32(x)

static void *(*bpf_map_lookup_elem)(void *map, const void *key) =
	(void *)BPF_FUNC_map_lookup_elem;
static long (*bpf_skb_load_bytes)(const void *skb, __u32 off, void *to,
				  __u32 len) = (void *)BPF_FUNC_skb_load_bytes;
static long (*bpf_skb_store_bytes)(void *skb, __u32 off, const void *from,
				   __u32 len, __u64 flags) =
	(void *)BPF_FUNC_skb_store_bytes;
static long (*bpf_l3_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to,
				   __u64 size) = (void *)BPF_FUNC_l3_csum_replace;
static long (*bpf_l4_csum_replace)(void *skb, __u32 off, __u64 from, __u64 to,
				   __u64 flags) = (void *)BPF_FUNC_l4_csum_replace;
static struct bpf_sock *(*bpf_sk_lookup_tcp)(void *ctx,
					     struct bpf_sock_tuple *tuple,
					     __u32 tuple_size, __u64 netns,
					     __u64 flags) =
	(void *)BPF_FUNC_sk_lookup_tcp;
static struct bpf_sock *(*bpf_sk_lookup_udp)(void *ctx,
					     struct bpf_sock_tuple *tuple,
					     __u32 tuple_size, __u64 netns,
					     __u64 flags) =
	(void *)BPF_FUNC_sk_lookup_udp;
static struct bpf_sock *(*bpf_skc_lookup_tcp)(void *ctx,
					      struct bpf_sock_tuple *tuple,
					      __u32 tuple_size, __u64 netns,
					      __u64 flags) =
	(void *)BPF_FUNC_skc_lookup_tcp;
static long (*bpf_sk_release)(void *sk) = (void *)BPF_FUNC_sk_release;
static long (*bpf_sk_assign)(void *ctx, void *sk, __u64 flags) =
	(void *)BPF_FUNC_sk_assign;
static long (*bpf_fib_lookup)(void *ctx, struct bpf_fib_lookup *params,
			      int plen, __u32 flags) =
	(void *)BPF_FUNC_fib_lookup;
static long (*bpf_redirect_neigh)(__u32 ifindex, struct bpf_redir_neigh *params,
				  int plen, __u64 flags) =
	(void *)BPF_FUNC_redirect_neigh;
#endif
