/* Lease fence loader: load twin_fence, attach it to the LAN interface through
 * netlink (so it outlives us), adopt or replace a fence left by a killed
 * daemon, and renew the lease through the memory-mapped .bss. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fence_loader.h"
#include "fence.skel.h"

struct fence {
	struct fence_bpf *skel;
	int ifindex;
	__u32 mode; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE */
};

/* The XDP program currently attached to an interface (hw offload ignored:
 * it can coexist with ours). */
struct attached {
	int fd; /* -1: nothing attached */
	__u32 id;
	__u32 mode;
	int is_fence;
	char name[BPF_OBJ_NAME_LEN];
};

static void seterr(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static const char *mode_name(__u32 mode)
{
	return mode == XDP_FLAGS_SKB_MODE ? "generic" : "native";
}

static int find_attached(int ifindex, const char *ifname, struct attached *a, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	struct bpf_prog_info info;
	__u32 len = sizeof(info);
	int r;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	r = bpf_xdp_query(ifindex, 0, &q);
	if (r < 0) {
		seterr(err, errlen, "%s: querying XDP: %s", ifname, strerror(-r));
		return r;
	}
	if (q.drv_prog_id) {
		a->id = q.drv_prog_id;
		a->mode = XDP_FLAGS_DRV_MODE;
	} else if (q.skb_prog_id) {
		a->id = q.skb_prog_id;
		a->mode = XDP_FLAGS_SKB_MODE;
	} else {
		return 0;
	}
	a->fd = bpf_prog_get_fd_by_id(a->id);
	if (a->fd < 0) {
		r = -errno;
		seterr(err, errlen, "%s: XDP program id %u: %s", ifname, a->id, strerror(errno));
		return r;
	}
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(a->fd, &info, &len) < 0) {
		r = -errno;
		seterr(err, errlen, "%s: XDP program id %u info: %s", ifname, a->id, strerror(errno));
		close(a->fd);
		a->fd = -1;
		return r;
	}
	snprintf(a->name, sizeof(a->name), "%s", info.name);
	a->is_fence = strcmp(info.name, FENCE_PROG_NAME) == 0;
	return 0;
}

static void put_attached(struct attached *a)
{
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}

/* Read an attached fence's state from its .bss map (another process's). */
static int read_state(int prog_fd, struct fence_state *st)
{
	struct bpf_prog_info info;
	__u32 ids[16], len = sizeof(info), n, i;
	int found = -ENOENT;

	memset(&info, 0, sizeof(info));
	info.nr_map_ids = 16;
	info.map_ids = (__u64)(unsigned long)ids;
	if (bpf_obj_get_info_by_fd(prog_fd, &info, &len) < 0)
		return -errno;
	n = info.nr_map_ids < 16 ? info.nr_map_ids : 16;
	for (i = 0; i < n && found < 0; i++) {
		struct bpf_map_info mi;
		__u32 mlen = sizeof(mi), key = 0;
		size_t nl;
		int fd = bpf_map_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		memset(&mi, 0, sizeof(mi));
		if (bpf_obj_get_info_by_fd(fd, &mi, &mlen) == 0) {
			nl = strlen(mi.name);
			if (nl >= 4 && strcmp(mi.name + nl - 4, ".bss") == 0 && mi.value_size == sizeof(*st))
				found = bpf_map_lookup_elem(fd, &key, st) < 0 ? -errno : 0;
		}
		close(fd);
	}
	return found;
}

/* Attach prog_fd in mode, replacing `old` if given, atomically when the
 * modes agree (the kernel refuses native and generic side by side). */
static int attach(int ifindex, int prog_fd, __u32 mode, const struct attached *old)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);

	if (old && old->fd >= 0) {
		o.old_prog_fd = old->fd;
		if (old->mode == mode)
			return bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_REPLACE, &o);
		int r = bpf_xdp_detach(ifindex, old->mode | XDP_FLAGS_REPLACE, &o);

		if (r < 0)
			return r;
		r = bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		if (r < 0) /* put the stale fence back rather than leave none */
			bpf_xdp_attach(ifindex, old->fd, old->mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
		return r;
	}
	return bpf_xdp_attach(ifindex, prog_fd, mode | XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
}

int fence_open(struct fence **out, const char *ifname, const struct in_addr *vips, int n_vips,
	       int force_generic, char *err, size_t errlen)
{
	return fence_open6(out, ifname, vips, n_vips, NULL, 0, force_generic, err, errlen);
}

int fence_open6(struct fence **out, const char *ifname, const struct in_addr *vips, int n_vips,
		const struct in6_addr *vips6, int n_vips6, int force_generic, char *err, size_t errlen)
{
	struct attached old;
	struct fence_state prev, *st;
	struct fence *f;
	int r, i, fd, inherit_armed = 0, warned = 0, native_err = 0;

	*out = NULL;
	if (n_vips < 0 || n_vips > FENCE_MAX_VIPS || n_vips6 < 0 || n_vips6 > FENCE_MAX_VIPS) {
		seterr(err, errlen, "%s: %d IPv4 and %d IPv6 failover addresses (0..%d of each supported)",
		       ifname, n_vips, n_vips6, FENCE_MAX_VIPS);
		return -EINVAL;
	}
	f = calloc(1, sizeof(*f));
	if (!f) {
		seterr(err, errlen, "%s: out of memory", ifname);
		return -ENOMEM;
	}
	f->ifindex = (int)if_nametoindex(ifname);
	if (!f->ifindex) {
		r = -errno;
		seterr(err, errlen, "%s: no such interface", ifname);
		free(f);
		return r;
	}
	r = find_attached(f->ifindex, ifname, &old, err, errlen);
	if (r < 0) {
		free(f);
		return r;
	}
	if (old.fd >= 0 && !old.is_fence) {
		seterr(err, errlen, "%s: foreign XDP program '%s' (id %u, %s) attached; not replacing it",
		       ifname, old.name, old.id, mode_name(old.mode));
		put_attached(&old);
		free(f);
		return -EEXIST;
	}
	memset(&prev, 0, sizeof(prev));
	if (old.fd >= 0) /* unreadable state: assume armed, fail closed */
		inherit_armed = read_state(old.fd, &prev) < 0 || prev.armed;

	f->skel = fence_bpf__open_and_load();
	if (!f->skel) {
		r = -errno;
		seterr(err, errlen, "%s: loading twin_fence: %s", ifname, strerror(errno));
		goto fail;
	}
	if (!f->skel->bss) {
		r = -ENOTSUP;
		seterr(err, errlen, "%s: twin_fence .bss not memory-mapped (kernel too old?)", ifname);
		goto fail;
	}
	st = &f->skel->bss->fence;
	for (i = 0; i < n_vips; i++)
		st->vips[i] = vips[i].s_addr;
	st->n_vips = (__u32)n_vips;
	for (i = 0; i < n_vips6; i++)
		memcpy(st->vips6[i], &vips6[i], 16);
	st->n_vips6 = (__u32)n_vips6;
	st->lease_until_ns = 0;
	st->armed = (__u32)inherit_armed;
	st->dropped_arp = prev.dropped_arp;
	st->dropped_ip = prev.dropped_ip;

	fd = bpf_program__fd(f->skel->progs.twin_fence);
	f->mode = force_generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	r = attach(f->ifindex, fd, f->mode, &old);
	if (r < 0 && !force_generic) {
		struct attached again;

		/* fall back to generic; look again: a stale fence in the
		 * other mode may have been swapped during the native try */
		native_err = r;
		f->mode = XDP_FLAGS_SKB_MODE;
		if (find_attached(f->ifindex, ifname, &again, err, errlen) == 0) {
			if (again.fd < 0 || again.is_fence)
				r = attach(f->ifindex, fd, f->mode, again.fd >= 0 ? &again : NULL);
			put_attached(&again);
		}
		if (r == 0) {
			seterr(err, errlen, "%s: native XDP failed (%s); fence attached in generic mode",
			       ifname, strerror(-native_err));
			warned = 1;
		}
	}
	if (r < 0) {
		seterr(err, errlen, "%s: attaching twin_fence%s: %s%s%s (%s)", ifname,
		       old.fd >= 0 ? " over a stale fence" : "", native_err ? strerror(-native_err) : "",
		       native_err ? " (native), " : "", strerror(-r), mode_name(f->mode));
		goto fail;
	}
	put_attached(&old);
	*out = f;
	return warned;
fail:
	put_attached(&old);
	fence_bpf__destroy(f->skel);
	free(f);
	return r;
}

void fence_renew(struct fence *f, uint64_t until_mono_ns)
{
	__atomic_store_n(&f->skel->bss->fence.lease_until_ns, until_mono_ns, __ATOMIC_RELEASE);
}

void fence_arm(struct fence *f, int armed)
{
	__atomic_store_n(&f->skel->bss->fence.armed, armed ? 1U : 0U, __ATOMIC_RELEASE);
}

void fence_counters(struct fence *f, uint64_t *arp, uint64_t *ip)
{
	*arp = __atomic_load_n(&f->skel->bss->fence.dropped_arp, __ATOMIC_RELAXED);
	*ip = __atomic_load_n(&f->skel->bss->fence.dropped_ip, __ATOMIC_RELAXED);
}

const char *fence_mode(const struct fence *f)
{
	return mode_name(f->mode);
}

void fence_close(struct fence *f)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);

	if (!f)
		return;
	/* REPLACE: detach only if the attached program is still ours */
	o.old_prog_fd = bpf_program__fd(f->skel->progs.twin_fence);
	bpf_xdp_detach(f->ifindex, f->mode | XDP_FLAGS_REPLACE, &o);
	fence_release(f);
}

void fence_release(struct fence *f)
{
	if (!f)
		return;
	fence_bpf__destroy(f->skel);
	free(f);
}

int fence_query(const char *ifname, struct fence_status *st, char *err, size_t errlen)
{
	struct attached a;
	struct fence_state s;
	struct timespec now;
	int ifindex = (int)if_nametoindex(ifname), r, i;

	memset(st, 0, sizeof(*st));
	if (!ifindex) {
		r = -errno;
		seterr(err, errlen, "%s: no such interface", ifname);
		return r;
	}
	r = find_attached(ifindex, ifname, &a, err, errlen);
	if (r < 0)
		return r;
	if (a.fd < 0)
		return 0;
	if (!a.is_fence) {
		seterr(err, errlen, "%s: foreign XDP program '%s' (id %u) attached", ifname, a.name, a.id);
		put_attached(&a);
		return -EEXIST;
	}
	r = read_state(a.fd, &s);
	put_attached(&a);
	if (r < 0) {
		seterr(err, errlen, "%s: reading twin_fence state: %s", ifname, strerror(-r));
		return r;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	int64_t now_ns = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;

	st->generic = a.mode == XDP_FLAGS_SKB_MODE;
	st->prog_id = a.id;
	st->armed = s.armed != 0;
	st->lease_left_ns = (int64_t)s.lease_until_ns - now_ns;
	st->fenced = st->armed && st->lease_left_ns < 0;
	st->dropped_arp = s.dropped_arp;
	st->dropped_ip = s.dropped_ip;
	st->n_vips = s.n_vips < FENCE_MAX_VIPS ? (int)s.n_vips : FENCE_MAX_VIPS;
	for (i = 0; i < st->n_vips; i++)
		st->vips[i].s_addr = s.vips[i];
	st->n_vips6 = s.n_vips6 < FENCE_MAX_VIPS ? (int)s.n_vips6 : FENCE_MAX_VIPS;
	for (i = 0; i < st->n_vips6; i++)
		memcpy(&st->vips6[i], s.vips6[i], 16);
	return 1;
}

int fence_remove(const char *ifname, char *err, size_t errlen)
{
	LIBBPF_OPTS(bpf_xdp_attach_opts, o);
	struct attached a;
	int ifindex = (int)if_nametoindex(ifname), r;

	if (!ifindex) {
		r = -errno;
		seterr(err, errlen, "%s: no such interface", ifname);
		return r;
	}
	r = find_attached(ifindex, ifname, &a, err, errlen);
	if (r < 0 || a.fd < 0)
		return r;
	if (!a.is_fence) {
		seterr(err, errlen, "%s: foreign XDP program '%s' (id %u) attached; not removing it", ifname,
		       a.name, a.id);
		put_attached(&a);
		return -EEXIST;
	}
	o.old_prog_fd = a.fd;
	r = bpf_xdp_detach(ifindex, a.mode | XDP_FLAGS_REPLACE, &o);
	if (r < 0)
		seterr(err, errlen, "%s: detaching twin_fence (id %u): %s", ifname, a.id, strerror(-r));
	put_attached(&a);
	return r;
}
