/* Witness tracking, pure: see witness_track.h. */
#include "witness_track.h"

#include <arpa/inet.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>

#define ICMP_ECHOREPLY_T 0
#define IP_HDR_MIN	 20
#define ICMP_HDR	 8
static const uint8_t magic[4] = {'T', 'W', 'I', 'N'}; /* first payload bytes of our probes */

uint32_t wt_effective_timeout(uint32_t timeout_ms, uint32_t interval_ms)
{
	uint64_t floor = 2 * (uint64_t)interval_ms;

	return timeout_ms >= floor ? timeout_ms : (uint32_t)floor;
}

void wt_init(struct witness_track *t, const struct in_addr *addrs, size_t n, int method, uint32_t interval_ms,
	     uint32_t timeout_ms, uint64_t now_ms)
{
	memset(t, 0, sizeof(*t));
	if (n > CFG_MAX_WITNESS)
		n = CFG_MAX_WITNESS;
	t->n = n;
	t->method = method;
	t->interval_ms = interval_ms ? interval_ms : 1;
	t->timeout_ms = wt_effective_timeout(timeout_ms, t->interval_ms);
	for (size_t i = 0; i < n; i++) {
		t->a[i].addr = addrs[i];
		t->a[i].next_ms = now_ms;
		t->a[i].rtt_us = -1;
	}
}

int wt_due(const struct witness_track *t, size_t i, uint64_t now_ms)
{
	return i < t->n && now_ms >= t->a[i].next_ms;
}

uint16_t wt_take(struct witness_track *t, size_t i, uint64_t now_ms)
{
	/* from now, not from the missed slot: a late loop never sends a burst */
	t->a[i].next_ms = now_ms + t->interval_ms;
	return t->seq++;
}

void wt_sent(struct witness_track *t, size_t i, uint16_t seq, uint64_t now_us)
{
	struct wt_addr *a = &t->a[i];
	struct wt_probe *p = &a->ring[a->ring_next++ % WT_RING];

	a->sent++;
	a->last_sent_us = now_us;
	p->seq = seq;
	p->sent_us = now_us;
	p->used = 1;
	p->answered = 0;
}

const uint8_t *wt_arp_dest(const struct witness_track *t, size_t i, uint64_t now_ms)
{
	const struct wt_addr *a = &t->a[i];

	if (a->has_mac && a->replied && now_ms - a->last_reply_ms < t->timeout_ms / 2)
		return a->mac;
	return NULL;
}

static void count(struct witness_track *t, enum wt_verdict v)
{
	switch (v) {
	case WT_FOREIGN:
		t->c.foreign++;
		break;
	case WT_MISMATCH:
		t->c.mismatch++;
		break;
	case WT_OWN:
		t->c.own++;
		break;
	case WT_MALFORMED:
		t->c.malformed++;
		break;
	case WT_VALID:
		break;
	}
}

static int find(const struct witness_track *t, struct in_addr ip, size_t *idx)
{
	for (size_t i = 0; i < t->n; i++)
		if (t->a[i].addr.s_addr == ip.s_addr) {
			*idx = i;
			return 1;
		}
	return 0;
}

static void valid(struct wt_addr *a, uint64_t now_ms)
{
	a->replies++;
	a->replied = 1;
	a->last_reply_ms = now_ms;
}

static enum wt_verdict judge_arp(struct witness_track *t, const struct arp_seen *f, uint64_t now_ms,
				 uint64_t now_us, size_t *idx)
{
	static const uint8_t zero[6];
	struct wt_addr *a;

	if (!memcmp(f->sha, t->our_mac, 6) || !memcmp(f->src_mac, t->our_mac, 6))
		return WT_OWN;
	if (f->op != ARPOP_REQUEST && f->op != ARPOP_REPLY)
		return WT_MISMATCH;
	if (!find(t, f->spa, idx))
		return WT_FOREIGN;
	if ((f->sha[0] & 1) || !memcmp(f->sha, zero, 6)) /* no host sends from these */
		return WT_MALFORMED;
	a = &t->a[*idx];
	valid(a, now_ms);
	memcpy(a->mac, f->sha, 6);
	a->has_mac = 1;
	/* a request from the witness proves it alive but answers no probe */
	if (f->op == ARPOP_REPLY && a->last_sent_us && now_us >= a->last_sent_us)
		a->rtt_us = (int64_t)(now_us - a->last_sent_us);
	return WT_VALID;
}

enum wt_verdict wt_arp_frame(struct witness_track *t, const struct arp_seen *f, uint64_t now_ms,
			     uint64_t now_us, size_t *idx)
{
	size_t dummy;
	enum wt_verdict v = judge_arp(t, f, now_ms, now_us, idx ? idx : &dummy);

	count(t, v);
	return v;
}

static enum wt_verdict judge_icmp(struct witness_track *t, const struct wt_echo *e, uint64_t now_ms,
				  uint64_t now_us, size_t *idx)
{
	struct wt_addr *a;

	if (!find(t, e->src, idx))
		return WT_FOREIGN;
	if (e->type != ICMP_ECHOREPLY_T || e->code != 0 || e->id != t->ident || !e->has_cookie ||
	    e->cookie != t->cookie)
		return WT_MISMATCH;
	a = &t->a[*idx];
	for (size_t k = 0; k < WT_RING; k++) {
		struct wt_probe *p = &a->ring[k];

		if (!p->used || p->seq != e->seq)
			continue;
		if (p->answered || now_us < p->sent_us ||
		    now_us - p->sent_us > (uint64_t)t->timeout_ms * 1000)
			return WT_MISMATCH; /* a duplicate, or too late to mean "alive now" */
		p->answered = 1;
		valid(a, now_ms);
		a->rtt_us = (int64_t)(now_us - p->sent_us);
		return WT_VALID;
	}
	return WT_MISMATCH;
}

enum wt_verdict wt_icmp_reply(struct witness_track *t, const struct wt_echo *e, uint64_t now_ms,
			      uint64_t now_us, size_t *idx)
{
	size_t dummy;
	enum wt_verdict v = judge_icmp(t, e, now_ms, now_us, idx ? idx : &dummy);

	count(t, v);
	return v;
}

void wt_malformed(struct witness_track *t)
{
	t->c.malformed++;
}

int wt_addr_reached(const struct witness_track *t, size_t i, uint64_t now_ms)
{
	const struct wt_addr *a = &t->a[i];

	/* a reply stamped after now_ms (clocks read in another order) is fresh */
	return a->replied && (now_ms < a->last_reply_ms || now_ms - a->last_reply_ms < t->timeout_ms);
}

int wt_reached(const struct witness_track *t, uint64_t now_ms)
{
	for (size_t i = 0; i < t->n; i++)
		if (wt_addr_reached(t, i, now_ms))
			return 1;
	return 0;
}

int wt_update(struct witness_track *t, uint64_t now_ms)
{
	int r = wt_reached(t, now_ms);

	if (r != t->reached)
		t->changed = 1;
	t->reached = r;
	return r;
}

/* The newest valid reply of all addresses; 0 if none. */
static int newest(const struct witness_track *t, uint64_t *ms, size_t *idx)
{
	int any = 0;

	for (size_t i = 0; i < t->n; i++)
		if (t->a[i].replied && (!any || t->a[i].last_reply_ms > *ms)) {
			*ms = t->a[i].last_reply_ms;
			*idx = i;
			any = 1;
		}
	return any;
}

uint64_t wt_deadline(const struct witness_track *t, uint64_t now_ms)
{
	uint64_t d = UINT64_MAX, last = 0;
	size_t i;

	for (i = 0; i < t->n; i++)
		if (t->a[i].next_ms < d)
			d = t->a[i].next_ms;
	if (newest(t, &last, &i) && last + t->timeout_ms > now_ms && last + t->timeout_ms < d)
		d = last + t->timeout_ms;
	return d;
}

void wt_status(const struct witness_track *t, size_t i, uint64_t now_ms, struct witness_status *out)
{
	const struct wt_addr *a = &t->a[i];

	memset(out, 0, sizeof(*out));
	out->addr = a->addr;
	out->sent = a->sent;
	out->replies = a->replies;
	out->age_ms = !a->replied ? -1 : now_ms > a->last_reply_ms ? (int64_t)(now_ms - a->last_reply_ms) : 0;
	out->rtt_us = a->rtt_us;
	out->reached = wt_addr_reached(t, i, now_ms);
}

int wt_summary(const struct witness_track *t, uint64_t now_ms, char *buf, size_t len)
{
	char ip[INET_ADDRSTRLEN], list[CFG_MAX_WITNESS * (INET_ADDRSTRLEN + 2)] = "";
	size_t best = 0, n_reached = 0, o = 0;
	uint64_t last = 0, best_ms = 0;
	int have = 0;

	for (size_t i = 0; i < t->n; i++) {
		inet_ntop(AF_INET, &t->a[i].addr, ip, sizeof(ip));
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", ip);
		if (!wt_addr_reached(t, i, now_ms))
			continue;
		n_reached++;
		if (!have || t->a[i].last_reply_ms > best_ms) {
			best = i;
			best_ms = t->a[i].last_reply_ms;
			have = 1;
		}
	}
	if (!t->n)
		return snprintf(buf, len, "witness: none configured");
	if (have) {
		char rtt[48] = "", more[64] = "";

		inet_ntop(AF_INET, &t->a[best].addr, ip, sizeof(ip));
		if (t->a[best].rtt_us >= 1000)
			snprintf(rtt, sizeof(rtt), " (rtt %.1f ms)", (double)t->a[best].rtt_us / 1000.0);
		else if (t->a[best].rtt_us >= 0) /* a LAN answers in microseconds */
			snprintf(rtt, sizeof(rtt), " (rtt %lld us)", (long long)t->a[best].rtt_us);
		if (t->n > 1)
			snprintf(more, sizeof(more), ", %zu of %zu reached", n_reached, t->n);
		return snprintf(buf, len, "witness %s reached%s%s", ip, rtt, more);
	}
	if (!newest(t, &last, &best))
		return snprintf(buf, len, "witness: none reached yet (%s)", list);
	last += t->timeout_ms; /* the moment the set was lost */
	return snprintf(buf, len, "witness: none reached for %.1f s (%s)",
			(double)(now_ms > last ? now_ms - last : 0) / 1000.0, list);
}

/* ---- ICMP echo codec ---- */

uint16_t wt_csum(const uint8_t *buf, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(buf[i] << 8 | buf[i + 1]);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

size_t wt_echo_build(uint8_t buf[WT_ECHO_LEN], uint8_t type, uint16_t id, uint16_t seq, uint32_t cookie)
{
	memset(buf, 0, WT_ECHO_LEN);
	buf[0] = type;
	put16(buf + 4, id);
	put16(buf + 6, seq);
	memcpy(buf + 8, magic, 4);
	memcpy(buf + 12, &cookie, 4); /* opaque: echoed back as is */
	put16(buf + 2, wt_csum(buf, WT_ECHO_LEN));
	return WT_ECHO_LEN;
}

int wt_echo_parse(const uint8_t *buf, size_t len, int with_ip, struct wt_echo *out)
{
	const uint8_t *icmp = buf;
	size_t ilen = len;

	memset(out, 0, sizeof(*out));
	if (with_ip) {
		size_t ihl, tot;

		if (len < IP_HDR_MIN || buf[0] >> 4 != 4)
			return -1;
		ihl = (size_t)(buf[0] & 0x0f) * 4;
		tot = get16(buf + 2);
		/* a fragment's ICMP header is elsewhere or incomplete */
		if (ihl < IP_HDR_MIN || tot < ihl || tot > len || buf[9] != 1 || (get16(buf + 6) & 0x3fff))
			return -1;
		memcpy(&out->src.s_addr, buf + 12, 4);
		icmp = buf + ihl;
		ilen = tot - ihl; /* trailing link-layer padding is not ICMP */
	}
	if (ilen < ICMP_HDR || wt_csum(icmp, ilen) != 0)
		return -1;
	out->type = icmp[0];
	out->code = icmp[1];
	out->id = get16(icmp + 4);
	out->seq = get16(icmp + 6);
	if (ilen >= WT_ECHO_LEN && !memcmp(icmp + 8, magic, 4)) {
		memcpy(&out->cookie, icmp + 12, 4);
		out->has_cookie = 1;
	}
	return 0;
}
