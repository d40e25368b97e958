/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Packet trace (dps_trace.h): the worker side records, the control side arms and prints.
 *
 * A traced packet's path and verdict are read from the counters it moved, which name every
 * step and every drop reason the stack has (lib/nic/dps_stats.h): the path is the groups of
 * those counters in the order the list gives them (rx, ip, icmp, fwd, tx...), the verdict the
 * first drop or error counter, else forwarded / sent / delivered. So the trace needs no hook in
 * lib/nic or lib/proto and cannot disagree with `show stats`.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "dps_app.h"
#include "dps_cmd.h"
#include "dps_proto.h"

/* ---- worker ---- */

static bool
take_one(struct dps_trace *t)
{
	uint32_t left = __atomic_load_n(&t->left, __ATOMIC_RELAXED);

	/* The control side may disarm (store 0) at any time: count down only what is there. */
	while (left != 0)
		if (__atomic_compare_exchange_n(&t->left, &left, left - 1, false, __ATOMIC_RELAXED,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

void
dps_trace_burst(struct dps_app_worker *w, const struct dps_app_rxq *q, struct rte_mbuf **pkts,
		uint16_t n)
{
	/* Only this worker writes its context's counters: a plain copy is a consistent one. */
	uint64_t before[DPS_MAX_NICS][DPS_CNT_MAX];
	struct dps_trace *t = &w->trace;
	struct dps_ctx *ctx = w->ctx;
	uint16_t i;

	for (i = 0; i < n; i++) {
		uint32_t idx = __atomic_load_n(&t->n, __ATOMIC_RELAXED);
		struct dps_trace_rec *r;
		const void *head;

		if (idx >= DPS_TRACE_MAX || !take_one(t))
			break;
		r = &t->rec[idx];
		r->tsc = rte_rdtsc();
		r->port = q->port_id;
		r->queue = q->queue_id;
		r->nic_id = q->nic_id;
		r->len = (uint16_t)rte_pktmbuf_pkt_len(pkts[i]);
		memset(r->head, 0, sizeof(r->head));
		/* rte_pktmbuf_read copies only when the bytes span segments: copy always. */
		head = rte_pktmbuf_read(pkts[i], 0, RTE_MIN(r->len, DPS_TRACE_HEAD), r->head);
		if (head != NULL && head != r->head)
			memcpy(r->head, head, RTE_MIN(r->len, DPS_TRACE_HEAD));
		memcpy(before, ctx->cnt, sizeof(before));
		dps_eth_input_burst(ctx, q->nic, &pkts[i], 1);
		/* What it sends is counted when the context's tx buffers go to the PMD. */
		dps_ctx_flush(ctx);
		r->n_cnt = 0;
		for (uint16_t nic = 0; nic < DPS_MAX_NICS; nic++)
			for (int c = 0; c < DPS_CNT_MAX; c++) {
				uint64_t d = ctx->cnt[nic][c] - before[nic][c];

				if (d == 0 || r->n_cnt == DPS_TRACE_CNT)
					continue;
				r->c[r->n_cnt].nic_id = nic;
				r->c[r->n_cnt].cnt = (uint16_t)c;
				r->c[r->n_cnt].delta = (uint32_t)d;
				r->n_cnt++;
			}
		__atomic_store_n(&t->n, idx + 1, __ATOMIC_RELEASE);
	}
	if (i < n)
		dps_eth_input_burst(ctx, q->nic, pkts + i, n - i);
}

/* ---- control ---- */

int
dps_trace_add(struct dps_app *app, unsigned int n)
{
	for (unsigned int i = 0; i < app->n_workers; i++) {
		struct dps_trace *t = &app->workers[i].trace;
		uint32_t have;

		/* Disarmed, the worker no longer writes: a new trace starts from zero. */
		if (__atomic_load_n(&t->left, __ATOMIC_ACQUIRE) == 0)
			__atomic_store_n(&t->n, 0, __ATOMIC_RELAXED);
		have = __atomic_load_n(&t->n, __ATOMIC_ACQUIRE);
		__atomic_store_n(&t->left, RTE_MIN(n, DPS_TRACE_MAX - have), __ATOMIC_RELEASE);
	}
	return 0;
}

void
dps_trace_clear(struct dps_app *app)
{
	for (unsigned int i = 0; i < app->n_workers; i++) {
		__atomic_store_n(&app->workers[i].trace.left, 0, __ATOMIC_RELEASE);
		__atomic_store_n(&app->workers[i].trace.n, 0, __ATOMIC_RELEASE);
	}
}

/* "IPv4 192.0.2.2 > 192.0.2.1 proto 1", "ARP", ...: what the first bytes say. */
static void
summary(const struct dps_trace_rec *r, char *buf, size_t len)
{
	const struct rte_ether_hdr *eh = (const void *)r->head;
	const uint8_t *l3 = r->head + sizeof(*eh);
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], sm[32], dm[32];
	struct dps_addr a, b;
	uint16_t type;

	if (r->len < sizeof(*eh)) {
		snprintf(buf, len, "runt");
		return;
	}
	type = rte_be_to_cpu_16(eh->ether_type);
	dps_mac_fmt(eh->src_addr.addr_bytes, sm, sizeof(sm));
	dps_mac_fmt(eh->dst_addr.addr_bytes, dm, sizeof(dm));
	if (type == RTE_ETHER_TYPE_IPV4) {
		dps_addr_from_ipv4(&a, rte_be_to_cpu_32(*(const uint32_t *)(l3 + 12)));
		dps_addr_from_ipv4(&b, rte_be_to_cpu_32(*(const uint32_t *)(l3 + 16)));
		snprintf(buf, len, "%s > %s IPv4 %s > %s proto %u ttl %u", sm, dm,
			 dps_addr_fmt(&a, s, sizeof(s)), dps_addr_fmt(&b, d, sizeof(d)), l3[9], l3[8]);
	} else if (type == RTE_ETHER_TYPE_IPV6) {
		dps_addr_from_ipv6(&a, l3 + 8);
		dps_addr_from_ipv6(&b, l3 + 24);
		snprintf(buf, len, "%s > %s IPv6 %s > %s next %u hlim %u", sm, dm,
			 dps_addr_fmt(&a, s, sizeof(s)), dps_addr_fmt(&b, d, sizeof(d)), l3[6], l3[7]);
	} else {
		snprintf(buf, len, "%s > %s ethertype 0x%04x%s", sm, dm, type,
			 type == RTE_ETHER_TYPE_ARP ? " (ARP)" : "");
	}
}

/* The groups of the counters moved, in list order, each once: "rx ip icmp tx". */
static void
path(const struct dps_trace_rec *r, char *buf, size_t len)
{
	const char *seen[DPS_TRACE_CNT];
	size_t nseen = 0, off = 0;

	buf[0] = '\0';
	/* Output stages (tx, neigh) last, though the list declares tx beside rx. */
	for (int i = 0; i < 2 * DPS_CNT_MAX && off < len; i++) {
		int c = i % DPS_CNT_MAX;
		const char *name = dps_counter_names[c];
		size_t glen = strcspn(name, ".");
		bool out = !strncmp(name, "tx.", 3) || !strncmp(name, "neigh.", 6);
		bool moved = false, dup = out != (i >= DPS_CNT_MAX);

		for (int j = 0; j < r->n_cnt; j++)
			moved |= r->c[j].cnt == c;
		for (size_t k = 0; moved && k < nseen; k++)
			dup |= strcspn(seen[k], ".") == glen && strncmp(seen[k], name, glen) == 0;
		if (!moved || dup || nseen == DPS_TRACE_CNT)
			continue;
		seen[nseen++] = name;
		off += (size_t)snprintf(buf + off, len - off, "%s%.*s", off ? " " : "", (int)glen,
					name);
	}
}

static const char *
verdict(const struct dps_trace_rec *r, const char **why)
{
	static const struct {
		enum dps_counter_kind kind;
		const char *word;
	} order[] = {{DPS_CK_DROP, "drop"}, {DPS_CK_ERROR, "error"}};

	*why = NULL;
	for (size_t k = 0; k < RTE_DIM(order); k++)
		for (int j = 0; j < r->n_cnt; j++)
			if (dps_counter_kinds[r->c[j].cnt] == order[k].kind) {
				*why = dps_counter_names[r->c[j].cnt];
				return order[k].word;
			}
	for (int j = 0; j < r->n_cnt; j++)
		if (r->c[j].cnt == DPS_CNT_FWD_FORWARDED)
			return "forwarded";
	for (int j = 0; j < r->n_cnt; j++)
		if (r->c[j].cnt == DPS_CNT_TX_PACKETS || r->c[j].cnt == DPS_CNT_NEIGH_QUEUED)
			return "answered";
	for (int j = 0; j < r->n_cnt; j++)
		if (r->c[j].cnt == DPS_CNT_IP_PACKETS_DELIVERED)
			return "delivered";
	return "consumed";
}

void
dps_trace_show(struct dps_app *app, struct dps_out *o, bool json)
{
	bool first = true;

	if (json)
		dps_out_printf(o, "[");
	for (unsigned int i = 0; i < app->n_workers; i++) {
		const struct dps_trace *t = &app->workers[i].trace;
		uint32_t n = __atomic_load_n(&t->n, __ATOMIC_ACQUIRE);

		for (uint32_t k = 0; k < n; k++) {
			const struct dps_trace_rec *r = &t->rec[k];
			char sum[256], p[128];
			const char *why, *v = verdict(r, &why);

			summary(r, sum, sizeof(sum));
			path(r, p, sizeof(p));
			if (!json) {
				dps_out_printf(o,
					       "lcore %u packet %u: %s port %u queue %u len %u\n"
					       "    %s\n    path %s\n    verdict %s%s%s\n",
					       app->workers[i].lcore_id, k, dps_fmt_nic(app, r->nic_id),
					       r->port, r->queue, r->len, sum, p, v, why ? " " : "",
					       why ? why : "");
				for (int j = 0; j < r->n_cnt; j++)
					dps_out_printf(o, "    %s %s +%u\n",
						       dps_fmt_nic(app, r->c[j].nic_id),
						       dps_counter_names[r->c[j].cnt], r->c[j].delta);
				continue;
			}
			dps_out_printf(o, "%s{\"lcore\": %u, \"packet\": %u, \"nic\": ", first ? "" : ", ",
				       app->workers[i].lcore_id, k);
			first = false;
			dps_out_jstr(o, dps_fmt_nic(app, r->nic_id));
			dps_out_printf(o, ", \"port\": %u, \"queue\": %u, \"len\": %u, \"summary\": ",
				       r->port, r->queue, r->len);
			dps_out_jstr(o, sum);
			dps_out_printf(o, ", \"path\": \"%s\", \"verdict\": \"%s\", \"reason\": ", p, v);
			if (why != NULL)
				dps_out_printf(o, "\"%s\"", why);
			else
				dps_out_printf(o, "null");
			dps_out_printf(o, ", \"counters\": [");
			for (int j = 0; j < r->n_cnt; j++) {
				dps_out_printf(o, "%s{\"nic\": ", j ? ", " : "");
				dps_out_jstr(o, dps_fmt_nic(app, r->c[j].nic_id));
				dps_out_printf(o, ", \"counter\": \"%s\", \"delta\": %u}",
					       dps_counter_names[r->c[j].cnt], r->c[j].delta);
			}
			dps_out_printf(o, "]}");
		}
	}
	if (json)
		dps_out_printf(o, "]\n");
}
