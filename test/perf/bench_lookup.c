/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Lookup micro-benchmark: receive lookups per second (dps_nic_rx_lookup_rcu: random hits over
 * every address, hits on a hot set of 1,024, misses) and bulk delivery
 * (dps_nic_deliver_network, bursts of 32, the fake IPv4-like protocol of test/unit/nic_fake.h)
 * with 1, 1,000 and 100,000 addresses on one NIC. Prints a table; asserts nothing
 * (docs/architecture.md, *Design rules*: never a timed assertion in the test suite).
 *
 * usage: bench_lookup [-n LOOKUPS] [EAL args...]
 * Single lcore, no hugepages needed (--no-huge is the default unless EAL args are given).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>

#include "nic_fake.h"

#define KEYS 65536 /* random addresses looked up, a power of two */

static double
now_s(void)
{
	return (double)rte_get_timer_cycles() / (double)rte_get_timer_hz();
}

static uint32_t
rnd(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

struct result {
	unsigned int n_addr;
	double add_s;
	double lookup_mps, lookup_ns;
	double miss_mps;
	double hot_mps;
	double deliver_mpps, deliver_ns;
	double alloc_only_ns;
};

static int
run(unsigned int n_addr, uint64_t n_lookups, struct result *res)
{
	static struct dps_addr keys[KEYS], miss[KEYS];
	struct fx f;
	uint32_t seed = 12345;
	struct dps_addr src;
	uint64_t hits = 0, pkts, delivered = 0;
	double t;
	int rc;

	memset(res, 0, sizeof(*res));
	res->n_addr = n_addr;
	rc = fx_setup_conf(&f, 0, n_addr + 1024 > 262144 ? n_addr + 1024 : 262144);
	if (rc != 0)
		return rc;
	t = now_s();
	for (unsigned int i = 0; i < n_addr; i++) {
		struct dps_prefix p;

		dps_addr_from_ipv4(&p.addr, 0x0a000001u + i);
		p.plen = 8;
		/* Never-primary: the primary list is not what is measured here. */
		rc = dps_nic_add_address(f.nic, FAKE_V4, &p, DPS_PEB_NEVER_PRIMARY);
		if (rc != 0)
			return rc;
	}
	res->add_s = now_s() - t;
	for (unsigned int k = 0; k < KEYS; k++) {
		dps_addr_from_ipv4(&keys[k], 0x0a000001u + rnd(&seed) % n_addr);
		dps_addr_from_ipv4(&miss[k], 0x0b000001u + rnd(&seed) % 1000000);
	}
	dps_addr_from_ipv4(&src, 0x0c000001u);

	/* Lookups: hits. */
	t = now_s();
	for (uint64_t i = 0; i < n_lookups; i++)
		hits += dps_nic_rx_lookup_rcu(f.nic, &keys[i & (KEYS - 1)]) == DPS_RX_LOCAL;
	t = now_s() - t;
	if (hits != n_lookups) {
		fprintf(stderr, "lookup missed: %" PRIu64 " of %" PRIu64 "\n", hits, n_lookups);
		return -EINVAL;
	}
	res->lookup_mps = (double)n_lookups / t / 1e6;
	res->lookup_ns = t * 1e9 / (double)n_lookups;
	/* Lookups: hits on a hot set of 1,024 addresses (the benchmark's 1,024 flows). */
	hits = 0;
	t = now_s();
	for (uint64_t i = 0; i < n_lookups; i++)
		hits += dps_nic_rx_lookup_rcu(f.nic, &keys[i & 1023]) == DPS_RX_LOCAL;
	t = now_s() - t;
	res->hot_mps = (double)n_lookups / t / 1e6;
	/* Lookups: misses (not ours, no range, not promiscuous). */
	hits = 0;
	t = now_s();
	for (uint64_t i = 0; i < n_lookups; i++)
		hits += dps_nic_rx_lookup_rcu(f.nic, &miss[i & (KEYS - 1)]) != DPS_RX_NONE;
	t = now_s() - t;
	res->miss_mps = (double)n_lookups / t / 1e6;

	/* Bulk delivery: bursts of 32 to random local addresses; the fake handler frees. */
	pkts = n_lookups / 8;
	fake_rec.on_deliver = NULL;
	for (int pass = 0; pass < 2; pass++) {
		uint64_t done = 0, k = 0;

		t = now_s();
		while (done < pkts) {
			struct rte_mbuf *m[DPS_BURST];

			if (rte_pktmbuf_alloc_bulk(f.pool, m, DPS_BURST) != 0)
				return -ENOMEM;
			for (int j = 0; j < DPS_BURST; j++) {
				uint8_t *p = (uint8_t *)rte_pktmbuf_append(m[j], 14 + 10 + 8);

				rte_pktmbuf_adj(m[j], 14);
				m[j]->l2_len = 14;
				p += 14;
				p[0] = FAKE_T_OK;
				memcpy(p + 2, src.b, 4);
				memcpy(p + 6, keys[k++ & (KEYS - 1)].b, 4);
			}
			if (pass == 0)
				rte_pktmbuf_free_bulk(m, DPS_BURST); /* the cost without delivery */
			else
				dps_nic_deliver_network(f.ctx, f.nic, FAKE_V4, m, DPS_BURST);
			done += DPS_BURST;
		}
		t = now_s() - t;
		if (pass == 0) {
			res->alloc_only_ns = t * 1e9 / (double)done;
		} else {
			delivered = done;
			res->deliver_mpps = (double)done / t / 1e6;
			res->deliver_ns = t * 1e9 / (double)done;
		}
	}
	if (fake_rec.handled != delivered) {
		fprintf(stderr, "delivered %u of %" PRIu64 "\n", fake_rec.handled, delivered);
		return -EINVAL;
	}
	fake_rec.handled = 0;
	return fx_done(&f) ? 0 : -ENOMEM;
}

int
main(int argc, char **argv)
{
	static const unsigned int sizes[] = {1, 1000, 100000};
	char prefix[64];
	char *eal[32];
	int n = 0;
	uint64_t n_lookups = 20000000;
	struct result res[3];

	if (argc >= 3 && strcmp(argv[1], "-n") == 0) {
		n_lookups = strtoull(argv[2], NULL, 10);
		argv += 2;
		argc -= 2;
	}
	snprintf(prefix, sizeof(prefix), "--file-prefix=bench_lookup%d", (int)getpid());
	eal[n++] = argv[0];
	if (argc <= 1) {
		eal[n++] = (char *)"--no-huge";
		eal[n++] = (char *)"-m";
		eal[n++] = (char *)"1024";
		eal[n++] = (char *)"--no-pci";
		eal[n++] = (char *)"-l";
		eal[n++] = (char *)"0";
		eal[n++] = (char *)"--log-level=lib.*:warning";
	}
	eal[n++] = prefix;
	for (int i = 1; i < argc && n < 31; i++)
		eal[n++] = argv[i];
	eal[n] = NULL;
	if (rte_eal_init(n, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		return 1;
	}
	for (int i = 0; i < 3; i++) {
		int rc = run(sizes[i], n_lookups, &res[i]);

		if (rc != 0) {
			fprintf(stderr, "run with %u addresses failed: %d\n", sizes[i], rc);
			return 1;
		}
	}
	printf("%-10s %8s %14s %10s %14s %12s %13s %8s %14s\n", "addresses", "add (s)",
	       "lookup Mops/s", "ns/lookup", "hot1k Mops/s", "miss Mops/s", "deliver Mpps",
	       "ns/pkt", "alloc-only ns");
	for (int i = 0; i < 3; i++)
		printf("%-10u %8.3f %14.1f %10.1f %14.1f %12.1f %13.2f %8.1f %14.1f\n",
		       res[i].n_addr, res[i].add_s, res[i].lookup_mps, res[i].lookup_ns,
		       res[i].hot_mps, res[i].miss_mps, res[i].deliver_mpps, res[i].deliver_ns,
		       res[i].alloc_only_ns);
	rte_eal_cleanup();
	return 0;
}
