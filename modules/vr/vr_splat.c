// SPDX-License-Identifier: GPL-2.0-only
/*
 * Test only (CONFIG_VR_DEBUG_SPLAT): writing the name of a kind of kernel
 * complaint to /sys/kernel/debug/vr_splat makes the kernel report one of
 * that kind, so that the selftests can show that their kernel-log check
 * (tests/lib/splat.sh) catches each kind. Never enable it elsewhere.
 *
 *   warn      WARN()
 *   kasan     an out-of-bounds read of a slab object (KASAN)
 *   ubsan     an out-of-bounds array index (UBSAN_BOUNDS)
 *   list      a list_add() on a corrupted list (DEBUG_LIST)
 *   rcu       an RCU pointer read outside a read-side section (PROVE_RCU)
 *   sleep     might_sleep() under a spinlock (DEBUG_ATOMIC_SLEEP)
 *   lockdep   two mutexes taken in both orders (PROVE_LOCKING; lock
 *             debugging, RCU checks included, turns itself off after
 *             lockdep's first report or a KASAN report: trigger those last)
 *   leak      an allocation whose last pointer is dropped (kmemleak; seen
 *             by a scan once it is 5 s old)
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uaccess.h>

static DEFINE_MUTEX(vr_splat_a);
static DEFINE_MUTEX(vr_splat_b);
static DEFINE_SPINLOCK(vr_splat_lock);
static int __rcu *vr_splat_rcu;
static void *vr_splat_leak;

static noinline void vr_splat_kasan(void)
{
	char *p = kmalloc(8, GFP_KERNEL);

	if (!p)
		return;
	OPTIMIZER_HIDE_VAR(p);
	pr_info("vr_splat: read past a slab object: %d\n", READ_ONCE(p[8]));
	kfree(p);
}

static noinline void vr_splat_ubsan(void)
{
	int array[4] = {};
	int index = 4;

	OPTIMIZER_HIDE_VAR(index);
	pr_info("vr_splat: array index out of bounds: %d\n", array[index]);
}

static noinline void vr_splat_list(void)
{
	LIST_HEAD(head);
	struct list_head entry;

	head.next = &entry;	/* entry.prev does not point back */
	entry.prev = NULL;
	list_add(&entry, &head);
}

static noinline void vr_splat_rcu_use(void)
{
	int *p = rcu_dereference(vr_splat_rcu);

	pr_info("vr_splat: rcu_dereference() outside RCU: %p\n", p);
}

static noinline void vr_splat_sleep(void)
{
	spin_lock(&vr_splat_lock);
	might_sleep();
	spin_unlock(&vr_splat_lock);
}

static noinline void vr_splat_lockdep(void)
{
	mutex_lock(&vr_splat_a);
	mutex_lock(&vr_splat_b);
	mutex_unlock(&vr_splat_b);
	mutex_unlock(&vr_splat_a);
	mutex_lock(&vr_splat_b);
	mutex_lock(&vr_splat_a);
	mutex_unlock(&vr_splat_a);
	mutex_unlock(&vr_splat_b);
}

static noinline void vr_splat_kmemleak(void)
{
	int i;

	/* Several, so that a stale copy of a pointer on a stack does not
	 * hide them all; zeroed, as SLUB leaves the free pointer in a
	 * kmalloc object's middle: one leaked object would otherwise point
	 * to the next, and one stale reference to the first would keep the
	 * whole chain referenced.
	 */
	for (i = 0; i < 8; i++) {
		vr_splat_leak = kzalloc(128, GFP_KERNEL);
		OPTIMIZER_HIDE_VAR(vr_splat_leak);
	}
	vr_splat_leak = NULL;
}

static ssize_t vr_splat_write(struct file *file, const char __user *ubuf,
			      size_t count, loff_t *ppos)
{
	char kind[16];

	if (count >= sizeof(kind))
		return -EINVAL;
	if (copy_from_user(kind, ubuf, count))
		return -EFAULT;
	kind[count] = '\0';
	strim(kind);

	if (!strcmp(kind, "warn"))
		WARN(1, "vr_splat: a deliberate warning\n");
	else if (!strcmp(kind, "kasan"))
		vr_splat_kasan();
	else if (!strcmp(kind, "ubsan"))
		vr_splat_ubsan();
	else if (!strcmp(kind, "list"))
		vr_splat_list();
	else if (!strcmp(kind, "rcu"))
		vr_splat_rcu_use();
	else if (!strcmp(kind, "sleep"))
		vr_splat_sleep();
	else if (!strcmp(kind, "lockdep"))
		vr_splat_lockdep();
	else if (!strcmp(kind, "leak"))
		vr_splat_kmemleak();
	else
		return -EINVAL;
	return count;
}

static const struct file_operations vr_splat_fops = {
	.write	= vr_splat_write,
	.llseek	= noop_llseek,
};

static int __init vr_splat_init(void)
{
	debugfs_create_file("vr_splat", 0200, NULL, NULL, &vr_splat_fops);
	return 0;
}
late_initcall(vr_splat_init);
