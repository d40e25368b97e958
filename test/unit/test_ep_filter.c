/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The stack-wide local-address filter (struct dps_stack.ep_filter, docs/performance.md): a
 * clear bit must prove that no endpoint of the address is in the map. False positives are
 * allowed (they cost a lookup); a false negative would make the data path miss a local address.
 */
#include <stdio.h>

#include "dps_test.h"
#include "nic_fake.h"

#define SETUP(f, flags)                                                                            \
	static struct fx f; /* outlives the case: its cleanup runs after a failed CHECK */         \
	CHECK_EQ(fx_setup(&f, (flags)), 0)
#define DONE(f) CHECK(fx_done(&f))

static bool
maybe(struct fx *f, const char *addr)
{
	struct dps_addr a = A(addr);

	return dps_stack_maybe_local(f->s, a.b, a.len);
}

static void
fmt4(char *buf, size_t len, uint32_t host)
{
	snprintf(buf, len, "%u.%u.%u.%u", host >> 24, (host >> 16) & 0xff, (host >> 8) & 0xff,
		 host & 0xff);
}

static uint32_t
bit4(uint32_t host)
{
	uint32_t be = rte_cpu_to_be_32(host);

	return dps_ep_filter_bit((const uint8_t *)&be, 4);
}

/* Two addresses on one filter bit, on different NICs: removing one keeps the other's bit. */
DPS_TEST(shared_bit_survives_the_other_address_removal)
{
	SETUP(f, FX_ENABLE);
	char a[32], b[32], pa[40], pb[40];
	uint32_t x = 0x0a000001u, y;

	for (y = x + 1; bit4(y) != bit4(x); y++)
		;
	fmt4(a, sizeof(a), x);
	fmt4(b, sizeof(b), y);
	snprintf(pa, sizeof(pa), "%s/8", a);
	snprintf(pb, sizeof(pb), "%s/8", b);
	CHECK(!maybe(&f, a));
	CHECK_EQ(fx_add(f.nic, pa, DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic2, pb, DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(maybe(&f, a) && maybe(&f, b));
	CHECK_EQ(fx_del(f.nic, a), 0);
	CHECK(maybe(&f, b));
	CHECK_EQ(fx_send(&f, f.nic2, "192.0.2.9", b), 1u); /* still delivered locally */
	CHECK_EQ(fx_send(&f, f.nic, "192.0.2.9", a), 0u);  /* gone */
	CHECK_EQ(fx_del(f.nic2, b), 0);
	CHECK(!maybe(&f, a) && !maybe(&f, b));
	DONE(f);
}

/* IPv6 addresses and re-adding an address after its removal. */
DPS_TEST(ipv6_add_remove_readd)
{
	SETUP(f, FX_ENABLE);

	CHECK(!maybe(&f, "2001:db8::1"));
	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(maybe(&f, "2001:db8::1"));
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::2", "2001:db8::1"), 1u);
	CHECK_EQ(fx_del(f.nic, "2001:db8::1"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::2", "2001:db8::1"), 0u);
	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(maybe(&f, "2001:db8::1"));
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::2", "2001:db8::1"), 1u);
	DONE(f);
}

/*
 * Random adds and removes of 512 addresses over two NICs against a model: after every step,
 * every address in the model has its bit set and is delivered locally, and once the model is
 * empty again every bit those addresses used is clear (no count leaked).
 */
DPS_TEST(random_churn_never_loses_an_address)
{
	SETUP(f, FX_ENABLE);
	enum { N = 512, STEPS = 4000 };
	static int8_t owner[N]; /* -1 none, 0 nic, 1 nic2 */
	static bool before[N];  /* bits already set by the NICs' own endpoints (broadcast) */
	uint32_t seed = 777;
	char a[32], p[40];

	for (int i = 0; i < N; i++) {
		owner[i] = -1;
		fmt4(a, sizeof(a), 0x0a000000u + (uint32_t)i * 2654435761u % 0xffffffu);
		before[i] = maybe(&f, a);
	}
	for (int step = 0; step < STEPS; step++) {
		int i;
		struct dps_nic *nic;

		seed ^= seed << 13;
		seed ^= seed >> 17;
		seed ^= seed << 5;
		i = (int)(seed % N);
		/* Addresses spread over the space so that some share filter bits. */
		fmt4(a, sizeof(a), 0x0a000000u + (uint32_t)i * 2654435761u % 0xffffffu);
		if (owner[i] < 0) {
			owner[i] = (int8_t)((seed >> 16) & 1);
			nic = owner[i] ? f.nic2 : f.nic;
			snprintf(p, sizeof(p), "%s/8", a);
			CHECK_EQ(fx_add(nic, p, DPS_PEB_CAN_BE_PRIMARY), 0);
		} else {
			nic = owner[i] ? f.nic2 : f.nic;
			CHECK_EQ(fx_del(nic, a), 0);
			owner[i] = -1;
		}
		if (step % 200 != 199)
			continue;
		for (int j = 0; j < N; j++) {
			if (owner[j] < 0)
				continue;
			fmt4(a, sizeof(a), 0x0a000000u + (uint32_t)j * 2654435761u % 0xffffffu);
			CHECK(maybe(&f, a));
			CHECK_EQ(fx_send(&f, owner[j] ? f.nic2 : f.nic, "192.0.2.9", a), 1u);
		}
	}
	for (int j = 0; j < N; j++) {
		if (owner[j] < 0)
			continue;
		fmt4(a, sizeof(a), 0x0a000000u + (uint32_t)j * 2654435761u % 0xffffffu);
		CHECK_EQ(fx_del(owner[j] ? f.nic2 : f.nic, a), 0);
	}
	for (int j = 0; j < N; j++) {
		fmt4(a, sizeof(a), 0x0a000000u + (uint32_t)j * 2654435761u % 0xffffffu);
		CHECK_EQ(maybe(&f, a), before[j]); /* every count went back to where it was */
	}
	DONE(f);
}

/*
 * The filter covers each IPv4 endpoint's subnet broadcast too (RFC 1812 5.3.5.2: the fast
 * path's broadcast test): set with the endpoint, none for /31 and /32 (RFC 3021), moved when
 * a promotion changes the prefix, cleared with the last endpoint of the subnet.
 */
DPS_TEST(ipv4_subnet_broadcast_follows_its_endpoint)
{
	SETUP(f, FX_ENABLE);
	struct dps_endpoint *ep;
	/* Addresses whose filter bits differ from each other's and from 255.255.255.255's. */
	static const char *const addr[] = {"10.1.0.255", "10.1.255.255", "10.1.0.1", "10.1.0.2"};
	uint32_t bits[5];

	for (unsigned int i = 0; i < 4; i++) {
		struct dps_addr a = A(addr[i]);

		bits[i] = dps_ep_filter_bit(a.b, 4);
	}
	bits[4] = bit4(0xffffffffu);
	for (unsigned int i = 0; i < 5; i++)
		for (unsigned int j = i + 1; j < 5; j++)
			CHECK(bits[i] != bits[j]);
	CHECK(!maybe(&f, "10.1.0.255"));
	CHECK_EQ(fx_add(f.nic, "10.1.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(maybe(&f, "10.1.0.255"));
	/* A second address of the subnet shares the broadcast: it stays until both are gone. */
	CHECK_EQ(fx_add(f.nic2, "10.1.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_del(f.nic, "10.1.0.1"), 0);
	CHECK(maybe(&f, "10.1.0.255"));
	CHECK_EQ(fx_del(f.nic2, "10.1.0.2"), 0);
	CHECK(!maybe(&f, "10.1.0.255"));
	/* RFC 3021: a /31 has no broadcast; nor has a /32. */
	CHECK_EQ(fx_add(f.nic, "10.1.0.254/31", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(!maybe(&f, "10.1.0.255"));
	CHECK_EQ(fx_del(f.nic, "10.1.0.254"), 0);
	/* Promotion of an expired endpoint with a new prefix moves the broadcast. */
	CHECK_EQ(fx_add(f.nic, "10.1.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.1.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.1.0.1"), 0);
	CHECK_EQ(fx_add(f.nic, "10.1.0.1/16", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(maybe(&f, "10.1.255.255"));
	CHECK(!maybe(&f, "10.1.0.255"));
	dps_endpoint_put(ep);
	CHECK_EQ(fx_del(f.nic, "10.1.0.1"), 0);
	CHECK(!maybe(&f, "10.1.255.255") && !maybe(&f, "10.1.0.1"));
	DONE(f);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
