/* SPDX-License-Identifier: Apache-2.0 */
/*
 * `ping` from the router itself (dpstack-ctl ping ADDR ...), as iputils' ping and VPP's
 * `ping` report it.
 *
 * Three threads take part, each doing only what its rules allow:
 *  - the control socket thread (dps_ping_run) runs the command: it posts one request at a
 *    time in a mailbox, waits, and formats the replies. It is no RCU reader and owns no tx
 *    queue, so it never builds or sends a packet itself;
 *  - the control loop on the main lcore (dps_ping_poll, from main.c's control duties) takes
 *    the request and sends it through its own context, online for just that call, like any
 *    packet the stack originates (dps_icmp_echo_send: route, source, neighbour resolution);
 *  - the worker that receives the reply (the echo-reply hook, lib/proto) matches it by
 *    identifier and sequence to its slot and stores the arrival time: plain stores on the
 *    slot of one request, nothing per ordinary packet.
 * A slot is tagged with identifier and sequence when its request goes out; a reply whose tag
 * does not match (another ping's, a duplicate after the end) is not taken.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "dps_cmd.h"
#include "dps_proto.h"

struct ping_slot {
	uint64_t sent_tsc;
	uint64_t rx_tsc; /* atomic: 0 until the reply came */
	uint32_t tag;    /* atomic: id << 16 | seq once sent, 0 before */
	uint32_t len;
	uint8_t ttl;
	int err;         /* the send's error, 0 when it went out */
};

enum { PING_IDLE, PING_POSTED, PING_SENDING };

struct dps_ping {
	struct dps_echo_req req; /* written before pending is set */
	int32_t pending;         /* atomic: PING_IDLE, PING_POSTED (req to send), PING_SENDING */
	int32_t rc;              /* the send's result, read after pending is back to 0 */
	uint16_t nic_id;
	struct dps_addr src;
	int32_t serving;         /* atomic: the control loop polls the mailbox */
	struct ping_slot slot[DPS_PING_MAX_COUNT];
};

/* Worker side: the reply to one of our requests? Then its arrival time, once. */
static void
ping_reply(struct dps_ctx *ctx, const struct dps_echo_reply *r, void *arg)
{
	struct dps_ping *p = arg;
	struct ping_slot *s;

	(void)ctx;
	if (r->seq == 0 || r->seq > DPS_PING_MAX_COUNT)
		return;
	s = &p->slot[r->seq - 1];
	if (__atomic_load_n(&s->tag, __ATOMIC_ACQUIRE) != ((uint32_t)r->id << 16 | r->seq) ||
	    !dps_addr_eq(&r->src, &p->req.dst) ||
	    __atomic_load_n(&s->rx_tsc, __ATOMIC_RELAXED) != 0)
		return;
	s->len = r->len;
	s->ttl = r->ttl;
	__atomic_store_n(&s->rx_tsc, rte_rdtsc(), __ATOMIC_RELEASE);
}

int
dps_ping_init(struct dps_app *app)
{
	app->ping = calloc(1, sizeof(*app->ping));
	if (app->ping == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < app->n_workers; i++)
		dps_icmp_set_echo_reply_cb(app->workers[i].ctx, ping_reply, app->ping);
	dps_icmp_set_echo_reply_cb(app->ctrl_ctx, ping_reply, app->ping);
	return 0;
}

void
dps_ping_free(struct dps_app *app)
{
	free(app->ping);
	app->ping = NULL;
}

void
dps_ping_serve(struct dps_app *app, bool on)
{
	if (app->ping != NULL)
		__atomic_store_n(&app->ping->serving, on, __ATOMIC_RELEASE);
}

/* Control loop: send the request waiting in the mailbox, through the control context. */
void
dps_ping_poll(struct dps_app *app)
{
	struct dps_ping *p = app->ping;
	int32_t posted = PING_POSTED;
	struct ping_slot *s;

	/* Claimed, so that the socket thread cannot withdraw (or rewrite) it while it is sent. */
	if (p == NULL || !__atomic_compare_exchange_n(&p->pending, &posted, PING_SENDING, false,
						      __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
		return;
	s = &p->slot[p->req.seq - 1];
	s->sent_tsc = rte_rdtsc();
	__atomic_store_n(&s->tag, (uint32_t)p->req.id << 16 | p->req.seq, __ATOMIC_RELEASE);
	/* Online for this one call: the route and neighbour lookups are RCU reads. */
	dps_ctx_online(app->ctrl_ctx);
	p->rc = dps_icmp_echo_send(app->ctrl_ctx, &p->req, &p->nic_id, &p->src);
	dps_ctx_offline(app->ctrl_ctx); /* flushes: the request leaves now */
	__atomic_store_n(&p->pending, PING_IDLE, __ATOMIC_RELEASE);
}

static uint64_t
ms_tsc(uint64_t ms)
{
	return rte_get_tsc_hz() / 1000 * ms;
}

static double
tsc_ms(uint64_t t)
{
	return (double)t * 1000.0 / (double)rte_get_tsc_hz();
}

static bool
stopping(struct dps_app *app)
{
	return __atomic_load_n(&app->quit, __ATOMIC_RELAXED) != 0;
}

/* Hand one request to the control loop and wait for its send (it polls every millisecond). */
static int
ping_post(struct dps_app *app, struct dps_ping *p, uint16_t seq)
{
	uint64_t give_up = rte_rdtsc() + ms_tsc(2000);

	int32_t posted = PING_POSTED;

	p->req.seq = seq;
	__atomic_store_n(&p->pending, PING_POSTED, __ATOMIC_RELEASE);
	while (__atomic_load_n(&p->pending, __ATOMIC_ACQUIRE) != PING_IDLE) {
		/* Withdrawn if the loop has not claimed it yet; else it is being sent: wait. */
		if ((rte_rdtsc() > give_up || stopping(app)) &&
		    __atomic_compare_exchange_n(&p->pending, &posted, PING_IDLE, false,
						__ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return -ETIMEDOUT;
		posted = PING_POSTED;
		usleep(200);
	}
	return p->rc;
}

static void
ping_report(struct dps_app *app, const struct dps_ping_opts *po, struct dps_ping *p,
	    uint64_t elapsed, bool json, struct dps_out *o)
{
	char dst[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];
	uint64_t to = ms_tsc(po->timeout_ms);
	double min = 0, max = 0, sum = 0, sum2 = 0, loss, avg, mdev;
	unsigned int rcvd = 0, sent = 0;
	bool v4 = po->dst.len == 4, first = true;

	dps_addr_fmt(&po->dst, dst, sizeof(dst));
	dps_addr_fmt(&p->src, src, sizeof(src));
	if (json) {
		dps_out_printf(o, "{\"target\": \"%s\", \"source\": \"%s\", \"nic\": ", dst, src);
		dps_out_jstr(o, dps_fmt_nic(app, p->nic_id));
		dps_out_printf(o, ", \"size\": %u, \"replies\": [", po->size);
	} else {
		dps_out_printf(o, "PING %s from %s %s: %u data bytes\n", dst, src,
			       dps_fmt_nic(app, p->nic_id), po->size);
	}
	for (unsigned int i = 0; i < po->count; i++) {
		const struct ping_slot *s = &p->slot[i];
		uint64_t rx = __atomic_load_n(&s->rx_tsc, __ATOMIC_ACQUIRE);
		double ms;

		if (s->tag == 0)
			break;
		sent += s->err == 0;
		if (s->err != 0 || rx == 0 || rx - s->sent_tsc > to)
			continue;
		ms = tsc_ms(rx - s->sent_tsc);
		min = rcvd == 0 || ms < min ? ms : min;
		max = ms > max ? ms : max;
		sum += ms;
		sum2 += ms * ms;
		rcvd++;
		if (json)
			dps_out_printf(o, "%s{\"seq\": %u, \"bytes\": %u, \"ttl\": %u, \"time_ms\": %.3f}",
				       rcvd > 1 ? ", " : "", i + 1, s->len, s->ttl, ms);
		else
			dps_out_printf(o, "%u bytes from %s: icmp_seq=%u %s=%u time=%.3f ms\n", s->len,
				       dst, i + 1, v4 ? "ttl" : "hlim", s->ttl, ms);
	}
	if (json)
		dps_out_printf(o, "], \"errors\": [");
	for (unsigned int i = 0; i < po->count && p->slot[i].tag != 0; i++) {
		if (p->slot[i].err == 0)
			continue;
		if (json)
			dps_out_printf(o, "%s{\"seq\": %u, \"error\": \"%s\"}",
				       first ? "" : ", ", i + 1, strerror(-p->slot[i].err));
		else
			dps_out_printf(o, "From %s icmp_seq=%u: %s\n", src, i + 1,
				       strerror(-p->slot[i].err));
		first = false;
	}
	/* ping's summary: loss over the requests that went out. */
	loss = sent ? 100.0 * (sent - rcvd) / sent : 100.0;
	avg = rcvd ? sum / rcvd : 0;
	mdev = rcvd ? sqrt(fmax(sum2 / rcvd - avg * avg, 0)) : 0;

	if (json) {
		dps_out_printf(o, "], \"transmitted\": %u, \"received\": %u, \"loss_percent\": %.1f, "
			       "\"time_ms\": %.0f, \"rtt_ms\": ", sent, rcvd, loss, tsc_ms(elapsed));
		if (rcvd)
			dps_out_printf(o, "{\"min\": %.3f, \"avg\": %.3f, \"max\": %.3f, \"mdev\": %.3f}}\n",
				       min, avg, max, mdev);
		else
			dps_out_printf(o, "null}\n");
		return;
	}
	dps_out_printf(o, "--- %s ping statistics ---\n%u packets transmitted, %u received, %.0f%% "
		       "packet loss, time %.0fms\n", dst, sent, rcvd, loss, tsc_ms(elapsed));
	if (rcvd)
		dps_out_printf(o, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", min, avg, max,
			       mdev);
}

int
dps_ping_run(struct dps_app *app, const struct dps_ping_opts *po, bool json, struct dps_out *o)
{
	static uint16_t next_id;
	struct dps_ping *p = app->ping;
	uint64_t start, last = 0, to = ms_tsc(po->timeout_ms);
	unsigned int n = 0;
	char dst[INET6_ADDRSTRLEN];
	int rc;

	dps_addr_fmt(&po->dst, dst, sizeof(dst));
	if (p == NULL || !__atomic_load_n(&p->serving, __ATOMIC_ACQUIRE)) {
		dps_out_printf(o, "ping needs the running control loop (not from a startup file)");
		return -EAGAIN;
	}
	for (unsigned int i = 0; i < po->count; i++)
		__atomic_store_n(&p->slot[i].tag, 0, __ATOMIC_RELAXED);
	memset(p->slot, 0, sizeof(p->slot[0]) * po->count);
	memset(&p->req, 0, sizeof(p->req));
	p->req.dst = po->dst;
	p->req.src = po->src;
	p->req.size = po->size;
	/* One identifier per run: replies to an earlier run never match a slot of this one. */
	p->req.id = (uint16_t)(getpid() * 31 + ++next_id);
	start = rte_rdtsc();
	for (n = 0; n < po->count && !stopping(app); n++) {
		if (n > 0) {
			while (rte_rdtsc() < last + ms_tsc(po->interval_ms) && !stopping(app))
				usleep(500);
		}
		last = rte_rdtsc();
		rc = ping_post(app, p, (uint16_t)(n + 1));
		/* The first request shows whether the destination can be reached at all. */
		if (rc != 0 && n == 0) {
			dps_out_reset(o);
			if (rc == -EMSGSIZE)
				dps_out_printf(o, "ping %s: size %u does not fit the mtu of %s (%u)", dst,
					       po->size, dps_fmt_nic(app, p->nic_id),
					       dps_nic_mtu(dps_stack_nic(app->stack, p->nic_id)));
			else
				dps_out_printf(o, "ping %s: %s", dst, strerror(-rc));
			return rc;
		}
		p->slot[n].err = rc;
	}
	/* The last reply may take up to the timeout; stop as soon as every reply is in. */
	for (;;) {
		unsigned int got = 0;

		for (unsigned int i = 0; i < n; i++)
			got += p->slot[i].err != 0 ||
			       __atomic_load_n(&p->slot[i].rx_tsc, __ATOMIC_ACQUIRE) != 0;
		if (got == n || rte_rdtsc() > last + to || stopping(app))
			break;
		usleep(500);
	}
	ping_report(app, po, p, rte_rdtsc() - start, json, o);
	/* Replies from now on find no slot tagged for them. */
	for (unsigned int i = 0; i < po->count; i++)
		__atomic_store_n(&p->slot[i].tag, 0, __ATOMIC_RELEASE);
	return 0;
}
