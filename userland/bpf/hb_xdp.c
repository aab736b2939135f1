/* Loader of the eth1 XDP guard: skeleton, attach policy, ring buffer, counters.
 * libbpf 1.1 API only (Debian 12). */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "hb_xdp_loader.h"
#include "hb_xdp.skel.h"

struct hbx {
	struct hb_xdp_bpf *skel;
	struct ring_buffer *rb;
	hbx_frame_cb cb;
	void *cb_ctx;
	int ifindex;	 /* 0: loaded only */
	__u32 mode_flag; /* XDP_FLAGS_DRV_MODE or XDP_FLAGS_SKB_MODE once attached */
	int consumed;	 /* frames delivered by the current hbx_consume() */
	__u32 stale_id;	 /* a stale program of ours that attach replaced */
	int ncpus;
	__u64 *percpu; /* ncpus counters, scratch for hbx_stats() */
	char ifname[IF_NAMESIZE];
};

static int on_sample(void *ctx, void *data, size_t size)
{
	struct hbx *h = ctx;

	if (size < sizeof(struct hbx_event))
		return 0; /* cannot happen: the program reserves fixed-size records */
	h->consumed++;
	if (h->cb)
		h->cb(h->cb_ctx, data);
	return 0;
}

static int check_cfg(const struct hbx_cfg *cfg, char *err, size_t errlen)
{
	if (cfg->n_ports > HBX_MAX_PORTS) {
		snprintf(err, errlen, "xdp: %u allowed ports, at most %d", cfg->n_ports, HBX_MAX_PORTS);
		return -1;
	}
	if (cfg->rate_limit_pps && !cfg->burst) {
		snprintf(err, errlen, "xdp: rate limit %u/s needs a burst of at least 1",
			 cfg->rate_limit_pps);
		return -1;
	}
	return 0;
}

int hbx_set_cfg(struct hbx *h, const struct hbx_cfg *cfg)
{
	__u32 zero = 0;
	char err[128];

	if (check_cfg(cfg, err, sizeof(err)))
		return -EINVAL;
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.hb_cfg), &zero, cfg, BPF_ANY))
		return -errno;
	return 0;
}

/* 1 if program id is a twin_hb XDP program (a stale one of ours), 0 if it is
 * someone else's, -ENOENT if it went away meanwhile, else -errno. On 1, *fd
 * holds a reference to it for an exact-match replace or detach. */
static int is_ours(__u32 id, int *fd)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	*fd = bpf_prog_get_fd_by_id(id);
	if (*fd < 0)
		return -errno;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(*fd, &info, &len)) {
		int e = -errno;
		close(*fd);
		return e;
	}
	if (info.type == BPF_PROG_TYPE_XDP && !strcmp(info.name, HBX_PROG_NAME))
		return 1;
	close(*fd);
	*fd = -1;
	return 0;
}

/* Attach in one mode (XDP_FLAGS_DRV_MODE or _SKB_MODE). Returns 0, or -errno
 * with *fatal set when trying the other mode would not help (someone else's
 * program is there). */
static int attach_mode(struct hbx *h, __u32 mode, int *fatal, char *err, size_t errlen)
{
	static const __u32 modes[] = {XDP_FLAGS_DRV_MODE, XDP_FLAGS_SKB_MODE, XDP_FLAGS_HW_MODE};
	struct bpf_xdp_query_opts q = {.sz = sizeof(struct bpf_xdp_query_opts)};
	int old_fd = -1, r;

	*fatal = 1;
	r = bpf_xdp_query(h->ifindex, 0, &q);
	if (r) {
		snprintf(err, errlen, "%s: querying XDP programs: %s", h->ifname, strerror(-r));
		return r;
	}
	const __u32 ids[] = {q.drv_prog_id, q.skb_prog_id, q.hw_prog_id};
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		int fd;

		if (!ids[i])
			continue;
		r = is_ours(ids[i], &fd);
		if (r == -ENOENT)
			continue; /* detached meanwhile */
		if (r < 0) {
			snprintf(err, errlen, "%s: inspecting XDP program id %u: %s", h->ifname, ids[i],
				 strerror(-r));
			goto out;
		}
		if (r == 0) {
			snprintf(err, errlen, "%s already has an XDP program (id %u); not replacing it",
				 h->ifname, ids[i]);
			r = -EEXIST;
			goto out;
		}
		h->stale_id = ids[i];
		if (modes[i] == mode && old_fd < 0) {
			old_fd = fd; /* replaced atomically below */
			continue;
		}
		/* ours, but in another mode: the kernel allows one mode at a time */
		struct bpf_xdp_attach_opts d = {.sz = sizeof(struct bpf_xdp_attach_opts), .old_prog_fd = fd};
		r = bpf_xdp_detach(h->ifindex, modes[i] | XDP_FLAGS_REPLACE, &d);
		close(fd);
		if (r) {
			snprintf(err, errlen, "%s: detaching stale XDP program id %u: %s", h->ifname, ids[i],
				 strerror(-r));
			goto out;
		}
	}

	/* never clobber a program that appeared since the query */
	struct bpf_xdp_attach_opts a = {.sz = sizeof(struct bpf_xdp_attach_opts), .old_prog_fd = old_fd};
	__u32 flags = mode | (old_fd >= 0 ? XDP_FLAGS_REPLACE : XDP_FLAGS_UPDATE_IF_NOEXIST);
	r = bpf_xdp_attach(h->ifindex, bpf_program__fd(h->skel->progs.twin_hb), flags, &a);
	if (r) {
		*fatal = r == -EBUSY || r == -EEXIST;
		snprintf(err, errlen, "%s: %s XDP attach failed: %s", h->ifname,
			 mode == XDP_FLAGS_DRV_MODE ? "native" : "generic", strerror(-r));
		goto out;
	}
	h->mode_flag = mode;
	*fatal = 0;
out:
	if (old_fd >= 0)
		close(old_fd);
	return r;
}

static int attach(struct hbx *h, int force_generic, char *err, size_t errlen)
{
	char native_err[256] = "";
	int fatal, r;

	if (!force_generic) {
		r = attach_mode(h, XDP_FLAGS_DRV_MODE, &fatal, native_err, sizeof(native_err));
		if (!r) {
			err[0] = 0;
			return 0;
		}
		if (fatal) {
			snprintf(err, errlen, "%s", native_err);
			return -1;
		}
	}
	r = attach_mode(h, XDP_FLAGS_SKB_MODE, &fatal, err, errlen);
	if (r)
		return -1;
	if (!force_generic)
		snprintf(err, errlen, "%s; falling back to generic (SKB) XDP, which costs more per frame",
			 native_err);
	return 1;
}

/* attach(), plus a note worth logging when it replaced a stale program */
static int attach_noted(struct hbx *h, int force_generic, char *err, size_t errlen)
{
	int r = attach(h, force_generic, err, errlen);

	if (r >= 0 && h->stale_id && !err[0])
		snprintf(err, errlen, "%s: replaced stale %s XDP program id %u (twind was killed?)",
			 h->ifname, HBX_PROG_NAME, h->stale_id);
	return r;
}

int hbx_open(struct hbx **out, const char *ifname, const struct hbx_cfg *cfg, int force_generic,
	     hbx_frame_cb cb, void *ctx, char *err, size_t errlen)
{
	struct hbx *h;
	__u32 zero = 0;
	int r;

	*out = NULL;
	if (errlen)
		err[0] = 0;
	if (check_cfg(cfg, err, errlen))
		return -1;
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "xdp: out of memory");
		return -1;
	}
	h->cb = cb;
	h->cb_ctx = ctx;
	if (ifname) {
		if (strlen(ifname) >= sizeof(h->ifname)) {
			snprintf(err, errlen, "xdp: interface name too long: %s", ifname);
			goto fail;
		}
		snprintf(h->ifname, sizeof(h->ifname), "%s", ifname);
		h->ifindex = (int)if_nametoindex(ifname);
		if (!h->ifindex) {
			snprintf(err, errlen, "%s: %s", ifname, strerror(errno));
			goto fail;
		}
	}
	h->ncpus = libbpf_num_possible_cpus();
	if (h->ncpus <= 0) {
		snprintf(err, errlen, "xdp: cannot count CPUs: %s", strerror(-h->ncpus));
		goto fail;
	}
	h->percpu = calloc((size_t)h->ncpus, sizeof(__u64));
	if (!h->percpu) {
		snprintf(err, errlen, "xdp: out of memory");
		goto fail;
	}

	h->skel = hb_xdp_bpf__open_and_load();
	if (!h->skel) {
		snprintf(err, errlen, "xdp: loading %s: %s (verifier log above, from libbpf)", HBX_PROG_NAME,
			 strerror(errno));
		goto fail;
	}
	if (bpf_map_update_elem(bpf_map__fd(h->skel->maps.hb_cfg), &zero, cfg, BPF_ANY)) {
		snprintf(err, errlen, "xdp: writing config: %s", strerror(errno));
		goto fail;
	}
	h->rb = ring_buffer__new(bpf_map__fd(h->skel->maps.hb_rb), on_sample, h, NULL);
	if (!h->rb) {
		snprintf(err, errlen, "xdp: ring buffer: %s", strerror(errno));
		goto fail;
	}

	r = h->ifindex ? attach_noted(h, force_generic, err, errlen) : 0;
	if (r < 0)
		goto fail;
	*out = h;
	return r;
fail:
	hbx_close(h);
	return -1;
}

int hbx_ring_fd(struct hbx *h)
{
	return ring_buffer__epoll_fd(h->rb);
}

int hbx_consume(struct hbx *h)
{
	int r;

	h->consumed = 0;
	r = ring_buffer__consume(h->rb);
	return r < 0 ? r : h->consumed;
}

int hbx_stats(struct hbx *h, __u64 out[HBX_STAT_MAX])
{
	int fd = bpf_map__fd(h->skel->maps.hb_stats);

	for (__u32 k = 0; k < HBX_STAT_MAX; k++) {
		if (bpf_map_lookup_elem(fd, &k, h->percpu))
			return -errno;
		out[k] = 0;
		for (int c = 0; c < h->ncpus; c++)
			out[k] += h->percpu[c];
	}
	return 0;
}

int hbx_src_lookup(struct hbx *h, const __u8 mac[6], struct hbx_src *out)
{
	__u64 key = 0;

	for (int i = 0; i < 6; i++)
		key = key << 8 | mac[i]; /* the byte order hb_xdp.h documents */
	if (bpf_map_lookup_elem(bpf_map__fd(h->skel->maps.hb_src), &key, out))
		return -errno;
	return 0;
}

const char *hbx_mode(const struct hbx *h)
{
	if (h->mode_flag == XDP_FLAGS_DRV_MODE)
		return "native";
	if (h->mode_flag == XDP_FLAGS_SKB_MODE)
		return "generic";
	return "none";
}

int hbx_prog_fd(const struct hbx *h)
{
	return bpf_program__fd(h->skel->progs.twin_hb);
}

void hbx_close(struct hbx *h)
{
	if (!h)
		return;
	if (h->mode_flag) {
		/* REPLACE + our fd: detaches only if the program there is still this one */
		struct bpf_xdp_attach_opts d = {.sz = sizeof(struct bpf_xdp_attach_opts),
						.old_prog_fd = hbx_prog_fd(h)};
		bpf_xdp_detach(h->ifindex, h->mode_flag | XDP_FLAGS_REPLACE, &d);
	}
	ring_buffer__free(h->rb);
	hb_xdp_bpf__destroy(h->skel);
	free(h->percpu);
	free(h);
}
