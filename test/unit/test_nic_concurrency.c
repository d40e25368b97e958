/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docs/semantics.md rules 30a-30e: lifetime under concurrency.
 *
 * A control thread (this one) runs 1,000,000 address operations (add, remove, re-add,
 * promote, lasting references taken and put, group joins and leaves, promiscuous / spoofing
 * toggles, ranges) on 128 addresses (64 IPv4-like, 64 IPv6-like) of NIC A and a few of NIC B,
 * while two reader pthreads, each with its own online dps_ctx, look addresses up and deliver
 * bursts with dps_nic_deliver_network(), reporting quiescent after every loop.
 *
 * The run is cut into phases. Before phase p the writer picks 16 "quarantined" addresses of
 * NIC A, puts the temporary references it holds on them, removes them, waits for a grace
 * period (dps_stack_synchronize) and only then publishes p. During phase p the writer does not
 * touch them, NIC A is never promiscuous and has no range, so a reader burst that began in
 * phase p (it read p first) must deliver nothing to them: the check is exact, not a timing
 * guess. To end the phase the writer publishes 0 and waits another grace period before it may
 * re-add them.
 *
 * After every phase the writer checks each endpoint of NIC A against its own book-keeping:
 * refs == (permanent ? 1 : 0) + references it holds (never zero or below), and each IPv6
 * address's solicited-node join count is 1 exactly while the address is permanent or
 * temporary. At the end it removes everything and the stack must report 0 live endpoints;
 * every mbuf must be back in the pool. The test also runs in build-asan (heap misuse in the
 * test and in lib/nic's libc allocations); rte_malloc memory, where endpoints live, is not
 * instrumented by a distribution DPDK, so each reader also checks that every endpoint it finds
 * still carries the address it looked up: an endpoint freed before the grace period and
 * reused shows up as a mismatch.
 *
 * DPS_STRESS_OPS overrides the operation count (default 1,000,000).
 */
#include <sched.h>
#include <unistd.h>

#include "dps_test.h"
#include "nic_fake.h"

#define N_ADDR 128
#define N_V4 64
#define N_GROUPS 8
#define N_HELD 48
#define N_B 16
#define PHASE_OPS 2000
#define N_Q 16
#define N_READERS 2
#define READER_BURST 16

struct reader {
	pthread_t th;
	struct dps_ctx *ctx;
	struct rte_mempool *pool; /* its own: no ring contention between readers */
	uint32_t rng;
	unsigned int cur_phase;
	uint64_t loops;
	uint64_t delivered;
	uint64_t sent_to_q;
	uint64_t violations;
	uint64_t lookups_hit;
	uint64_t mismatches;
	uint64_t nombuf;
} __rte_cache_aligned;

struct held {
	struct dps_endpoint *ep;
	int idx;
};

static struct {
	struct fx f;
	struct dps_addr addr[N_ADDR];
	struct dps_addr group[N_GROUPS];
	struct dps_addr baddr[N_B];
	struct dps_prefix brange;
	uint8_t quarantined[N_ADDR];
	unsigned int phase; /* atomic: 0 = between phases */
	int stop;           /* atomic */
	struct reader rd[N_READERS];
	struct held held[N_HELD];
	int held_count[N_ADDR];
	int group_joins[N_GROUPS];
	int brange_count;
	uint64_t bad_rc;
	uint64_t ops;
	uint64_t invariant_errors;
} S;

static inline uint32_t
xs(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static int
addr_index(const struct dps_addr *a)
{
	if (a->len == 4 && a->b[0] == 10 && a->b[1] == 1 && a->b[2] == 0 && a->b[3] >= 1 &&
	    a->b[3] <= N_V4)
		return a->b[3] - 1;
	if (a->len == 16 && a->b[0] == 0x20 && a->b[1] == 0x01 && a->b[2] == 0x0d &&
	    a->b[3] == 0xb8 && a->b[13] == 1 && a->b[15] >= 1 && a->b[15] <= N_ADDR - N_V4)
		return N_V4 + a->b[15] - 1;
	return -1;
}

static void
on_deliver(struct dps_ctx *ctx, struct dps_nic *nic, const struct dps_addr *dst)
{
	struct reader *r = &S.rd[ctx->id - 1];
	int i;

	r->delivered++;
	if (nic != S.f.nic || r->cur_phase == 0)
		return;
	i = addr_index(dst);
	if (i >= 0 && S.quarantined[i])
		r->violations++;
}

static void
reader_burst(struct reader *r, struct dps_nic *nic, uint16_t proto, bool to_b)
{
	static const struct dps_addr src4 = {.len = 4, .b = {10, 9, 9, 9}};
	static const struct dps_addr src6 = {
		.len = 16, .b = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}};
	struct rte_mbuf *m[READER_BURST];
	uint16_t n = 0;

	for (int k = 0; k < READER_BURST; k++) {
		uint32_t x = xs(&r->rng);
		struct dps_addr d;

		if (to_b) {
			if (x & 1) {
				d = S.baddr[(x >> 1) % N_B];
			} else {
				dps_addr_from_ipv4(&d, 0x0a030000u | ((x >> 8) & 0xffff));
			}
		} else if ((x & 15) == 0) {
			d = S.group[(proto == FAKE_V4 ? 0 : 4) + ((x >> 4) & 3)];
		} else if ((x & 15) == 1) {
			/* Not ours at all. */
			d = proto == FAKE_V4 ? S.addr[0] : S.addr[N_V4];
			d.b[d.len - 2] = 0x77;
		} else {
			int i = (proto == FAKE_V4 ? 0 : N_V4) + (int)((x >> 4) % N_V4);

			d = S.addr[i];
			if (r->cur_phase != 0 && S.quarantined[i])
				r->sent_to_q++;
		}
		m[n] = fake_pkt(r->pool, proto == FAKE_V4 ? &src4 : &src6, &d);
		if (m[n] == NULL) {
			r->nombuf++;
			break;
		}
		n++;
	}
	if (n > 0)
		dps_nic_deliver_network(r->ctx, nic, proto, m, n);
}

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct dps_nic *a = S.f.nic, *b = S.f.nic2;
	struct dps_addr pa;

	dps_ctx_online(r->ctx);
	while (!__atomic_load_n(&S.stop, __ATOMIC_ACQUIRE)) {
		r->cur_phase = __atomic_load_n(&S.phase, __ATOMIC_ACQUIRE);
		reader_burst(r, a, FAKE_V4, false);
		reader_burst(r, a, FAKE_V6, false);
		if ((r->loops & 3) == 0)
			reader_burst(r, b, FAKE_V4, true);
		/* Lookups that touch endpoint memory: ASan catches a premature free. */
		for (int k = 0; k < 8; k++) {
			int i = (int)(xs(&r->rng) % N_ADDR);
			struct dps_endpoint *ep = dps_nic_endpoint_rcu(a, &S.addr[i]);

			if (ep != NULL) {
				if (!dps_addr_eq(&ep->addr, &S.addr[i]) || ep->nic != a ||
				    __atomic_load_n(&ep->refs, __ATOMIC_ACQUIRE) < 0)
					r->mismatches++;
				else
					r->lookups_hit++;
			}
			if (dps_nic_rx_lookup_rcu(a, &S.addr[i]) == DPS_RX_LOCAL && r->cur_phase &&
			    S.quarantined[i])
				r->violations++;
		}
		(void)dps_nic_primary_addr_rcu(a, (unsigned int)(r->loops & 1), &pa);
		(void)dps_nic_owns_rcu(b, &S.baddr[r->loops % N_B]);
		__atomic_store_n(&r->loops, r->loops + 1, __ATOMIC_RELEASE);
		dps_ctx_quiescent(r->ctx);
		/*
		 * Three threads may share two CPUs here: give the writer (and the other reader) the
		 * CPU right after a quiescent report rather than at the end of a time slice.
		 */
		sched_yield();
	}
	dps_ctx_offline(r->ctx);
	return NULL;
}

/* ---- writer ---- */

static uint16_t
proto_of(int i)
{
	return i < N_V4 ? FAKE_V4 : FAKE_V6;
}

static enum dps_peb
rand_peb(uint32_t x)
{
	return (enum dps_peb)(x % 3);
}

static int
free_held_slot(void)
{
	for (int k = 0; k < N_HELD; k++)
		if (S.held[k].ep == NULL)
			return k;
	return -1;
}

static void
put_held(int k)
{
	S.held_count[S.held[k].idx]--;
	dps_endpoint_put(S.held[k].ep);
	S.held[k].ep = NULL;
}

static void
hold(struct dps_endpoint *ep, int idx)
{
	int k = free_held_slot();

	if (k < 0) {
		dps_endpoint_put(ep);
		return;
	}
	S.held[k].ep = ep;
	S.held[k].idx = idx;
	S.held_count[idx]++;
}

static int
pick_unquarantined(uint32_t x)
{
	for (int t = 0; t < N_ADDR; t++) {
		int i = (int)((x + (uint32_t)t) % N_ADDR);

		if (!S.quarantined[i])
			return i;
	}
	return -1;
}

static void
rc_ok(int rc, int alt)
{
	if (rc != 0 && rc != alt)
		S.bad_rc++;
}

static void
writer_op(uint32_t *rng)
{
	uint32_t x = xs(rng), y = xs(rng);
	unsigned int op = x % 100;
	int i = pick_unquarantined(y);
	struct dps_prefix p;

	if (i < 0)
		return;
	p.addr = S.addr[i];
	p.plen = i < N_V4 ? 24 : 64;
	if (op < 28) {
		rc_ok(dps_nic_add_address(S.f.nic, proto_of(i), &p, rand_peb(y >> 8)), -EEXIST);
	} else if (op < 52) {
		rc_ok(dps_nic_remove_address(S.f.nic, &S.addr[i]), -EADDRNOTAVAIL);
	} else if (op < 64) {
		struct dps_endpoint *ep;

		if (free_held_slot() < 0)
			put_held((int)((y >> 8) % N_HELD));
		if (dps_nic_spoofing(S.f.nic))
			ep = dps_nic_find_endpoint(S.f.nic, proto_of(i), &S.addr[i],
						   rand_peb(y >> 16));
		else
			ep = dps_nic_get_ref(S.f.nic, proto_of(i), &S.addr[i]);
		if (ep != NULL)
			hold(ep, i);
	} else if (op < 74) {
		int k = (int)((y >> 8) % N_HELD);

		if (S.held[k].ep != NULL)
			put_held(k);
	} else if (op < 82) {
		/* Re-add: take a reference, remove (expired), add again (promotion). */
		struct dps_endpoint *ep;

		if (free_held_slot() < 0)
			put_held((int)((y >> 8) % N_HELD));
		ep = dps_nic_get_ref(S.f.nic, proto_of(i), &S.addr[i]);
		if (ep != NULL) {
			rc_ok(dps_nic_remove_address(S.f.nic, &S.addr[i]), -EADDRNOTAVAIL);
			rc_ok(dps_nic_add_address(S.f.nic, proto_of(i), &p, rand_peb(y >> 16)),
			      -EEXIST);
			hold(ep, i);
		}
	} else if (op < 88) {
		int g = (int)((y >> 8) % N_GROUPS);

		if (S.group_joins[g] < 3 && ((y >> 16) & 1)) {
			int rc = dps_nic_join_group(S.f.nic, g < 4 ? FAKE_V4 : FAKE_V6,
						    &S.group[g]);

			if (rc == 0)
				S.group_joins[g]++;
			else
				S.bad_rc++;
		} else {
			int rc = dps_nic_leave_group(S.f.nic, &S.group[g]);

			if (S.group_joins[g] > 0) {
				if (rc == 0)
					S.group_joins[g]--;
				else
					S.bad_rc++;
			} else if (rc != -EADDRNOTAVAIL) {
				S.bad_rc++;
			}
		}
	} else if (op < 91) {
		switch ((y >> 8) % 3) {
		case 0:
			dps_nic_set_spoofing(S.f.nic, !dps_nic_spoofing(S.f.nic));
			break;
		case 1:
			dps_nic_set_promiscuous(S.f.nic2, !dps_nic_promiscuous(S.f.nic2));
			break;
		default:
			dps_nic_set_spoofing(S.f.nic2, !dps_nic_spoofing(S.f.nic2));
		}
	} else if (op < 96) {
		/* NIC B: addresses and a range. */
		int b = (int)((y >> 8) % N_B);
		struct dps_prefix bp = {.addr = S.baddr[b], .plen = 24};

		switch ((y >> 16) % 4) {
		case 0:
			rc_ok(dps_nic_add_address(S.f.nic2, FAKE_V4, &bp, rand_peb(y >> 20)),
			      -EEXIST);
			break;
		case 1:
			rc_ok(dps_nic_remove_address(S.f.nic2, &S.baddr[b]), -EADDRNOTAVAIL);
			break;
		case 2:
			if (S.brange_count < 2 && dps_nic_add_range(S.f.nic2, FAKE_V4,
								   &S.brange) == 0)
				S.brange_count++;
			break;
		default:
			if (dps_nic_remove_range(S.f.nic2, &S.brange) == 0)
				S.brange_count = 0;
		}
	} else {
		struct dps_endpoint *ep = dps_nic_primary_endpoint(S.f.nic, (y & 1) ? FAKE_V6 :
										   FAKE_V4);
		struct dps_protocol_address pa[8];

		if (ep != NULL) {
			if (dps_endpoint_refs(ep) < 2)
				S.invariant_errors++;
			dps_endpoint_put(ep);
		}
		(void)dps_nic_all_addresses(S.f.nic, pa, 8);
	}
	S.ops++;
}

/* Check every endpoint of NIC A against the writer's book-keeping. */
static void
check_invariants(void)
{
	static struct dps_endpoint_info info[512];
	int n = dps_nic_endpoints(S.f.nic, info, 512);
	bool present[N_ADDR] = {false}, counts_group[N_ADDR] = {false};

	if (n < 0 || n > 512) {
		S.invariant_errors++;
		return;
	}
	for (int k = 0; k < n; k++) {
		int i = addr_index(&info[k].prefix.addr);

		if (info[k].refs <= 0) {
			printf("  endpoint with refs %d listed\n", (int)info[k].refs);
			S.invariant_errors++;
		}
		if (i < 0)
			continue;
		present[i] = true;
		counts_group[i] = info[k].kind != DPS_EP_PERMANENT_EXPIRED;
		if (info[k].refs != (info[k].kind == DPS_EP_PERMANENT ? 1 : 0) + S.held_count[i]) {
			if (S.invariant_errors < 5)
				printf("  address %d kind %d refs %d held %d\n", i, info[k].kind,
				       (int)info[k].refs, S.held_count[i]);
			S.invariant_errors++;
		}
	}
	for (int i = 0; i < N_ADDR; i++) {
		if (S.held_count[i] > 0 && !present[i]) {
			printf("  address %d held but not in the map\n", i);
			S.invariant_errors++;
		}
		if (i >= N_V4) {
			struct dps_addr g;

			fake_v6_solicited(&S.addr[i], &g);
			if (dps_nic_group_joins(S.f.nic, &g) != (counts_group[i] ? 1 : 0)) {
				if (S.invariant_errors < 5)
					printf("  address %d solicited joins %d, want %d\n", i,
					       dps_nic_group_joins(S.f.nic, &g), counts_group[i]);
				S.invariant_errors++;
			}
		}
	}
	for (int g = 0; g < N_GROUPS; g++)
		if (dps_nic_group_joins(S.f.nic, &S.group[g]) != S.group_joins[g])
			S.invariant_errors++;
	for (int k = 0; k < N_HELD; k++)
		if (S.held[k].ep != NULL && dps_endpoint_refs(S.held[k].ep) < 1)
			S.invariant_errors++;
}

/* Quarantine N_Q random addresses for the next phase (phase is 0, readers past it). */
static void
quarantine(uint32_t *rng)
{
	memset(S.quarantined, 0, sizeof(S.quarantined));
	for (int q = 0; q < N_Q; q++)
		S.quarantined[xs(rng) % N_ADDR] = 1;
	for (int k = 0; k < N_HELD; k++) {
		/* A held temporary would stay deliverable: give it up. Expired ones stay. */
		if (S.held[k].ep != NULL && S.quarantined[S.held[k].idx] &&
		    dps_endpoint_kind(S.held[k].ep) == DPS_EP_TEMPORARY)
			put_held(k);
	}
	for (int i = 0; i < N_ADDR; i++)
		if (S.quarantined[i])
			rc_ok(dps_nic_remove_address(S.f.nic, &S.addr[i]), -EADDRNOTAVAIL);
}

DPS_TEST(rule30a_to_30e_concurrent_churn_with_readers)
{
	const char *env = getenv("DPS_STRESS_OPS");
	uint64_t target = env != NULL ? strtoull(env, NULL, 10) : 1000000;
	uint32_t rng = 0x9e3779b9;
	unsigned int phase = 0;
	uint64_t delivered = 0, sent_q = 0, viol = 0, loops = 0, nombuf = 0, mism = 0, hits = 0;
	uint64_t t0 = rte_get_timer_cycles();
	cpu_set_t saved, all;
	uint64_t l0[N_READERS];

	CHECK_EQ(fx_setup_conf(&S.f, 0, 65536), 0);
	for (int r = 0; r < N_READERS; r++) {
		char name[32];

		snprintf(name, sizeof(name), "stress_pool%d", r);
		S.rd[r].pool = rte_pktmbuf_pool_create(name, 2047, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
						       SOCKET_ID_ANY);
		CHECK(S.rd[r].pool != NULL);
		CHECK_EQ(rte_mempool_in_use_count(S.rd[r].pool), 0);
	}
	for (int i = 0; i < N_V4; i++)
		dps_addr_from_ipv4(&S.addr[i], 0x0a010000u | (uint32_t)(i + 1));
	for (int i = N_V4; i < N_ADDR; i++) {
		uint8_t b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0};

		b[15] = (uint8_t)(i - N_V4 + 1);
		dps_addr_from_ipv6(&S.addr[i], b);
	}
	for (int g = 0; g < 4; g++)
		dps_addr_from_ipv4(&S.group[g], 0xe0010100u | (uint32_t)(g + 1));
	for (int g = 4; g < N_GROUPS; g++) {
		uint8_t b[16] = {0xff, 0x05, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};

		b[15] = (uint8_t)g;
		dps_addr_from_ipv6(&S.group[g], b);
	}
	for (int b = 0; b < N_B; b++)
		dps_addr_from_ipv4(&S.baddr[b], 0x0a020000u | (uint32_t)(b + 1));
	S.brange = P("10.3.0.0/16");
	/* Start with every address present. */
	for (int i = 0; i < N_ADDR; i++) {
		struct dps_prefix p = {.addr = S.addr[i], .plen = i < N_V4 ? 24 : 64};

		CHECK_EQ(dps_nic_add_address(S.f.nic, proto_of(i), &p, DPS_PEB_CAN_BE_PRIMARY), 0);
	}
	/*
	 * EAL pinned this thread to lcore 0 and new threads inherit that: let the readers and
	 * the writer use every CPU, or three threads share one core and a grace period waits for
	 * a time slice.
	 */
	CHECK_EQ(pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved), 0);
	CPU_ZERO(&all);
	for (long c = 0; c < sysconf(_SC_NPROCESSORS_ONLN) && c < CPU_SETSIZE; c++)
		CPU_SET(c, &all);
	CHECK_EQ(pthread_setaffinity_np(pthread_self(), sizeof(all), &all), 0);
	fake_rec.on_deliver = on_deliver;
	for (int r = 0; r < N_READERS; r++) {
		S.rd[r].rng = 0x1234567u * (uint32_t)(r + 1);
		CHECK_EQ(dps_ctx_create(S.f.s, (uint16_t)(r + 1), (uint16_t)(r + 1), S.rd[r].pool,
					SOCKET_ID_ANY, &S.rd[r].ctx), 0);
		CHECK_EQ(pthread_create(&S.rd[r].th, NULL, reader_main, &S.rd[r]), 0);
	}

	while (S.ops < target) {
		/* Between phases: readers see 0 and check nothing. */
		quarantine(&rng);
		dps_stack_synchronize(S.f.s); /* the grace period after the removals */
		__atomic_store_n(&S.phase, ++phase, __ATOMIC_RELEASE);
		for (int r = 0; r < N_READERS; r++)
			l0[r] = __atomic_load_n(&S.rd[r].loops, __ATOMIC_ACQUIRE);
		for (int k = 0; k < PHASE_OPS && S.ops < target; k++)
			writer_op(&rng);
		/* Every reader runs at least one whole burst inside the phase: the check is
		 * exercised even when the machine is loaded. */
		for (int r = 0; r < N_READERS; r++)
			while (__atomic_load_n(&S.rd[r].loops, __ATOMIC_ACQUIRE) < l0[r] + 2)
				sched_yield();
		__atomic_store_n(&S.phase, 0, __ATOMIC_RELEASE);
		dps_stack_synchronize(S.f.s); /* no reader is still in phase p */
		check_invariants();
		memset(S.quarantined, 0, sizeof(S.quarantined));
	}

	__atomic_store_n(&S.stop, 1, __ATOMIC_RELEASE);
	for (int r = 0; r < N_READERS; r++) {
		pthread_join(S.rd[r].th, NULL);
		delivered += S.rd[r].delivered;
		sent_q += S.rd[r].sent_to_q;
		viol += S.rd[r].violations;
		loops += S.rd[r].loops;
		nombuf += S.rd[r].nombuf;
		mism += S.rd[r].mismatches;
		hits += S.rd[r].lookups_hit;
	}
	fake_rec.on_deliver = NULL;
	pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	printf("  %" PRIu64 " ops in %u phases, %.1f s; readers: %" PRIu64 " loops, %" PRIu64
	       " delivered, %" PRIu64 " sent to quarantined addresses, %" PRIu64
	       " violations, %" PRIu64 " nombuf, %" PRIu64 " endpoint lookups, %" PRIu64
	       " mismatches\n",
	       S.ops, phase, (double)(rte_get_timer_cycles() - t0) / rte_get_timer_hz(), loops,
	       delivered, sent_q, viol, nombuf, hits, mism);

	/* 30a: no delivery to an address removed a grace period earlier. */
	CHECK_EQ(viol, 0);
	CHECK(sent_q > 0); /* the check was exercised */
	CHECK_EQ(mism, 0);
	CHECK(hits > 0);
	CHECK(delivered > 0);
	/* 30b: refcounts and joins matched the book-keeping after every phase. */
	CHECK_EQ(S.invariant_errors, 0);
	CHECK_EQ(S.bad_rc, 0);
	CHECK(S.ops >= target);

	/* 30c: remove everything; no endpoint may survive. */
	for (int k = 0; k < N_HELD; k++)
		if (S.held[k].ep != NULL)
			put_held(k);
	for (int i = 0; i < N_ADDR; i++)
		rc_ok(dps_nic_remove_address(S.f.nic, &S.addr[i]), -EADDRNOTAVAIL);
	for (int g = 0; g < N_GROUPS; g++)
		while (S.group_joins[g]-- > 0)
			CHECK_EQ(dps_nic_leave_group(S.f.nic, &S.group[g]), 0);
	for (int b = 0; b < N_B; b++)
		rc_ok(dps_nic_remove_address(S.f.nic2, &S.baddr[b]), -EADDRNOTAVAIL);
	CHECK_EQ(dps_nic_remove_range(S.f.nic2, &S.brange), 0);
	CHECK_EQ(S.bad_rc, 0);
	dps_stack_synchronize(S.f.s);
	CHECK_EQ(dps_nic_endpoints(S.f.nic, NULL, 0), 0);
	CHECK_EQ(dps_nic_endpoints(S.f.nic2, NULL, 0), 0);
	/* 30d: every endpoint ever allocated has been freed. */
	CHECK_EQ(dps_stack_live_endpoints(S.f.s), 0);
	for (int r = 0; r < N_READERS; r++)
		dps_ctx_free(S.rd[r].ctx);
	/* 30e: every mbuf delivered was freed exactly once. */
	CHECK(fx_done(&S.f));
	for (int r = 0; r < N_READERS; r++) {
		CHECK_EQ(rte_mempool_in_use_count(S.rd[r].pool), 0);
		rte_mempool_free(S.rd[r].pool);
	}
}

int
main(int argc, char **argv)
{
	/* Two reader threads plus this one: give EAL no lcore pinning beyond the default. */
	return dps_test_main(argc, argv, true, NULL);
}
