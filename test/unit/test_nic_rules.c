/* SPDX-License-Identifier: Apache-2.0 */
/*
 * docs/semantics.md rules 1-20: the control plane of the seed's NIC layer (kinds and
 * transitions, reference counts, lookups, primary order and selection, ranges, multicast,
 * enable, queries). One case per rule, named after it. Delivery rules (21-29) are in
 * test_nic_deliver.c. Fake protocols: nic_fake.h.
 */
#include "dps_test.h"
#include "nic_fake.h"

#define SETUP(f, flags)                                                                            \
	static struct fx f; /* outlives the case: its cleanup runs after a failed CHECK */         \
	CHECK_EQ(fx_setup(&f, (flags)), 0)
#define DONE(f) CHECK(fx_done(&f))

static char pbuf[512];
#define PRIMARY(nic) fx_primary_str((nic), pbuf, sizeof(pbuf))
#define CHECK_STR(a, b)                                                                            \
	do {                                                                                       \
		const char *_a = (a), *_b = (b);                                                   \
		if (strcmp(_a, _b) != 0) {                                                         \
			printf("  %s:%d: got '%s', want '%s'\n", __FILE__, __LINE__, _a, _b);     \
			dps_test_failed = true;                                                    \
			return;                                                                    \
		}                                                                                  \
	} while (0)

/* ---- 1. model ---- */

DPS_TEST(rule01a_register_netproto_duplicate_and_limit)
{
	static struct dps_netproto_ops extra1, extra2;
	SETUP(f, FX_NOIP);

	CHECK_EQ(dps_stack_register_netproto(f.s, &fake_v4_ops), -EEXIST);
	extra1 = fake_noip_ops;
	extra1.number = 0x88B6;
	extra2 = fake_noip_ops;
	extra2.number = 0x88B7;
	CHECK_EQ(dps_stack_register_netproto(f.s, &extra1), 0); /* the fourth: the limit */
	CHECK(dps_stack_register_netproto(f.s, &extra2) < 0);
	CHECK_EQ(dps_stack_np_slot(f.s, FAKE_V4), 0);
	CHECK_EQ(dps_stack_np_slot(f.s, FAKE_V6), 1);
	CHECK_EQ(dps_stack_np_slot(f.s, 0x88B7), -1);
	DONE(f);
}

DPS_TEST(rule01b_nic_ids_unique)
{
	struct fake_link l;
	struct dps_nic *n;
	SETUP(f, 0);

	CHECK_EQ(fx_nic(&f, 0, "dup", &l, &n), -EEXIST);
	CHECK_EQ(fx_nic(&f, DPS_MAX_NICS, "big", &l, &n), -EINVAL);
	CHECK(dps_stack_nic(f.s, 1) == f.nic2);
	CHECK(dps_stack_nic_by_name(f.s, "n1") == f.nic2);
	CHECK(dps_stack_nic_by_name(f.s, "dup") == NULL);
	CHECK_EQ(dps_nic_id(f.nic2), 1);
	CHECK_STR(dps_nic_name(f.nic2), "n1");
	CHECK(dps_nic_stack(f.nic) == f.s);
	DONE(f);
}

DPS_TEST(rule01c_endpoints_keyed_per_nic)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic2, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK(!fx_ep(f.nic, "10.0.0.1", NULL));
	CHECK(fx_ep(f.nic2, "10.0.0.1", NULL));
	CHECK_EQ(fx_send(&f, f.nic2, "10.0.0.9", "10.0.0.1"), 1);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 0);
	DONE(f);
}

DPS_TEST(rule01d_key_ignores_protocol)
{
	struct dps_prefix p = P("10.0.0.1/32");
	SETUP(f, FX_NOIP);

	/* Seed: endpoints are keyed by address bytes only, not by protocol. */
	CHECK_EQ(dps_nic_add_address(f.nic, FAKE_V4, &p, DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_add_address(f.nic, FAKE_NOIP, &p, DPS_PEB_CAN_BE_PRIMARY), -EEXIST);
	DONE(f);
}

DPS_TEST(rule01e_flags_default_off)
{
	SETUP(f, 0);

	CHECK(!dps_nic_promiscuous(f.nic));
	CHECK(!dps_nic_spoofing(f.nic));
	CHECK(!dps_stack_forwarding(f.s));
	dps_nic_set_promiscuous(f.nic, true);
	dps_nic_set_spoofing(f.nic, true);
	dps_nic_set_forwarding(f.nic, true);
	dps_stack_set_forwarding(f.s, true);
	CHECK(dps_nic_promiscuous(f.nic) && dps_nic_spoofing(f.nic) && dps_nic_forwarding(f.nic));
	CHECK(dps_stack_forwarding(f.s));
	CHECK(!dps_nic_promiscuous(f.nic2) && !dps_nic_spoofing(f.nic2));
	dps_nic_set_forwarding(f.nic, false);
	CHECK(!dps_nic_forwarding(f.nic));
	DONE(f);
}

/* ---- 2-4. kinds ---- */

DPS_TEST(rule02a_add_creates_permanent_refs1)
{
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.kind, DPS_EP_PERMANENT);
	CHECK_EQ(i.refs, 1);
	CHECK_EQ(i.prefix.plen, 24);
	CHECK_EQ(i.proto, FAKE_V4);
	CHECK_EQ(i.peb, DPS_PEB_CAN_BE_PRIMARY);
	CHECK_EQ(i.primary_index, 0);
	DONE(f);
}

DPS_TEST(rule02b_bias_dropped_only_by_remove)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	dps_endpoint_put(ep);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.refs, 1);
	CHECK_EQ(i.kind, DPS_EP_PERMANENT);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.1"), 1);
	DONE(f);
}

DPS_TEST(rule03a_temporary_freed_on_last_put)
{
	struct dps_endpoint *ep;
	int64_t live0;
	SETUP(f, 0);

	dps_stack_synchronize(f.s);
	live0 = dps_stack_live_endpoints(f.s);
	dps_nic_set_promiscuous(f.nic, true);
	ep = fx_get_ref(f.nic, "10.9.9.9");
	CHECK(ep != NULL);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_TEMPORARY);
	CHECK_EQ(dps_endpoint_refs(ep), 1);
	CHECK(fx_ep(f.nic, "10.9.9.9", NULL));
	dps_endpoint_put(ep);
	CHECK(!fx_ep(f.nic, "10.9.9.9", NULL));
	dps_stack_synchronize(f.s);
	CHECK_EQ(dps_stack_live_endpoints(f.s), live0);
	DONE(f);
}

DPS_TEST(rule03b_temporary_default_prefix)
{
	struct dps_endpoint *a, *b;
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	dps_nic_set_spoofing(f.nic, true);
	a = fx_get_ref(f.nic, "10.9.9.9");
	b = fx_find(f.nic, "2001:db8::9", DPS_PEB_CAN_BE_PRIMARY);
	CHECK(a != NULL && b != NULL);
	CHECK_EQ(dps_endpoint_prefix_len(a), 32);
	CHECK_EQ(dps_endpoint_prefix_len(b), 128);
	CHECK(dps_endpoint_nic(a) == f.nic);
	dps_endpoint_put(a);
	dps_endpoint_put(b);
	DONE(f);
}

DPS_TEST(rule04a_remove_unreferenced_unlinks)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK(!fx_ep(f.nic, "10.0.0.1", NULL));
	CHECK(fx_get_ref(f.nic, "10.0.0.1") == NULL);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule04b_remove_referenced_expires_then_put_frees)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.kind, DPS_EP_PERMANENT_EXPIRED);
	CHECK_EQ(i.refs, 1);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_PERMANENT_EXPIRED);
	dps_endpoint_put(ep);
	CHECK(!fx_ep(f.nic, "10.0.0.1", NULL));
	DONE(f);
}

DPS_TEST(rule04c_live_endpoints_accounting)
{
	int64_t live0;
	SETUP(f, 0);

	dps_stack_synchronize(f.s);
	live0 = dps_stack_live_endpoints(f.s);
	CHECK_EQ(live0, 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic2, "10.0.0.3/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_stack_live_endpoints(f.s), 3);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK_EQ(fx_del(f.nic, "10.0.0.2"), 0);
	CHECK_EQ(fx_del(f.nic2, "10.0.0.3"), 0);
	dps_stack_synchronize(f.s);
	CHECK_EQ(dps_stack_live_endpoints(f.s), 0);
	DONE(f);
}

/* ---- 5. AddAddress outcomes ---- */

DPS_TEST(rule05a_add_keeps_prefix_len)
{
	struct dps_protocol_address pa[4];
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.1.2.3/16", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_all_addresses(f.nic, pa, 4), 1);
	CHECK_EQ(pa[0].proto, FAKE_V4);
	CHECK_EQ(pa[0].prefix.plen, 16);
	CHECK(dps_addr_eq(&pa[0].prefix.addr, &(struct dps_addr){0}) == false);
	CHECK_STR(dps_prefix_fmt(&pa[0].prefix, pbuf, sizeof(pbuf)), "10.1.2.3/16");
	DONE(f);
}

DPS_TEST(rule05b_add_duplicate_eexist)
{
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/8", DPS_PEB_FIRST_PRIMARY), -EEXIST);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.refs, 1);
	CHECK_EQ(i.peb, DPS_PEB_CAN_BE_PRIMARY);
	CHECK_EQ(i.prefix.plen, 24);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.1 10.0.0.2");
	DONE(f);
}

DPS_TEST(rule05c_promote_expired_takes_new_peb)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/16", DPS_PEB_NEVER_PRIMARY), 0);
	/* Promoted in place: the held endpoint is permanent again, with the bias back. */
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_PERMANENT);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	CHECK_EQ(i.primary_index, -1);
	CHECK_EQ(i.prefix.plen, 16);
	CHECK_EQ(dps_endpoint_prefix_len(ep), 16);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.2");
	dps_endpoint_put(ep);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.refs, 1);
	DONE(f);
}

DPS_TEST(rule05d_promote_temporary)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	ep = fx_get_ref(f.nic, "10.0.0.7");
	CHECK(ep != NULL);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_TEMPORARY);
	CHECK_EQ(fx_add(f.nic, "10.0.0.7/24", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_PERMANENT);
	CHECK_EQ(dps_endpoint_refs(ep), 2); /* the caller's reference + the bias */
	CHECK_STR(PRIMARY(f.nic), "10.0.0.7");
	dps_endpoint_put(ep);
	dps_nic_set_promiscuous(f.nic, false);
	CHECK(fx_ep(f.nic, "10.0.0.7", NULL));
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "10.0.0.7"), 1);
	DONE(f);
}

DPS_TEST(rule05e_promote_takes_new_position)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.3/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.2 10.0.0.3");
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.2 10.0.0.3 10.0.0.1");
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.1 10.0.0.2 10.0.0.3");
	dps_endpoint_put(ep);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.1 10.0.0.2 10.0.0.3");
	DONE(f);
}

DPS_TEST(rule05f_readd_after_last_put_is_fresh)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_FIRST_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	dps_endpoint_put(ep); /* refs reach zero under the writer lock: unlinked at once */
	CHECK(!fx_ep(f.nic, "10.0.0.1", NULL));
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/16", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.kind, DPS_EP_PERMANENT);
	CHECK_EQ(i.refs, 1);
	CHECK_EQ(i.prefix.plen, 16);
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	CHECK_EQ(fx_n_endpoints(f.nic), 1);
	DONE(f);
}

DPS_TEST(rule05g_add_unknown_protocol)
{
	struct dps_prefix p = P("10.0.0.1/24");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_address(f.nic, FAKE_UNREG, &p, DPS_PEB_CAN_BE_PRIMARY),
		 -EPROTONOSUPPORT);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule05h_add_length_mismatch_einval)
{
	struct dps_prefix p = P("10.0.0.1/24");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_address(f.nic, FAKE_V6, &p, DPS_PEB_CAN_BE_PRIMARY), -EINVAL);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule05i_add_no_address_validation)
{
	SETUP(f, 0);

	/* Seed TODO b/141022673: any address of the right length is accepted. */
	CHECK_EQ(fx_add(f.nic, "0.0.0.0/0", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "224.0.0.5/32", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "ff05::99/128", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 3);
	DONE(f);
}

DPS_TEST(rule05j_add_checks_protocol_before_duplicate)
{
	struct dps_prefix p = P("10.0.0.1/24");
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_add_address(f.nic, FAKE_UNREG, &p, DPS_PEB_CAN_BE_PRIMARY),
		 -EPROTONOSUPPORT);
	DONE(f);
}

/* ---- 6. RemoveAddress ---- */

DPS_TEST(rule06a_remove_absent_eaddrnotavail)
{
	SETUP(f, 0);

	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), -EADDRNOTAVAIL);
	CHECK_EQ(fx_add(f.nic2, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), -EADDRNOTAVAIL);
	DONE(f);
}

DPS_TEST(rule06b_remove_temporary_refused)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	ep = fx_get_ref(f.nic, "10.0.0.7");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.7"), -EADDRNOTAVAIL);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_TEMPORARY);
	CHECK_EQ(dps_endpoint_refs(ep), 1);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule06c_remove_expired_refused)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), -EADDRNOTAVAIL);
	CHECK_EQ(dps_endpoint_refs(ep), 1);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule06d_remove_leaves_solicited_even_if_held)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 1);
	ep = fx_get_ref(f.nic, "2001:db8::1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "2001:db8::1"), 0);
	/* Later gVisor (36fbaac52): the group is left when the address is removed. */
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 0);
	CHECK(!fx_ep(f.nic, "ff02::1:ff00:1", NULL));
	dps_endpoint_put(ep);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule06e_promote_rejoins_solicited)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "2001:db8::1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "2001:db8::1"), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 0);
	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 1);
	dps_endpoint_put(ep);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 1);
	CHECK_EQ(fx_del(f.nic, "2001:db8::1"), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule06f_shared_solicited_group_counted)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "2001:db8:1::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 2);
	CHECK_EQ(fx_del(f.nic, "2001:db8::1"), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 1);
	CHECK(fx_ep(f.nic, "ff02::1:ff00:1", NULL));
	CHECK_EQ(fx_del(f.nic, "2001:db8:1::1"), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:1"), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

/* ---- 7-8. reference counts ---- */

DPS_TEST(rule07a_tryget_fails_at_zero)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	dps_endpoint_put(ep);
	CHECK(dps_endpoint_tryget(ep));
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	dps_endpoint_put(ep);
	/* White box: a count of zero (an endpoint being unlinked) must refuse new holders. */
	dps_stack_lock(f.s);
	__atomic_store_n(&ep->refs, 0, __ATOMIC_RELEASE);
	CHECK(!dps_endpoint_tryget(ep));
	CHECK_EQ(dps_endpoint_refs(ep), 0);
	__atomic_store_n(&ep->refs, 1, __ATOMIC_RELEASE);
	dps_stack_unlock(f.s);
	DONE(f);
}

DPS_TEST(rule07b_get_and_put_move_the_count)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	dps_endpoint_get(ep);
	CHECK_EQ(dps_endpoint_refs(ep), 3);
	dps_endpoint_put(ep);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	dps_stack_lock(f.s);
	dps_endpoint_put_locked(ep);
	dps_stack_unlock(f.s);
	CHECK_EQ(dps_endpoint_refs(ep), 1);
	DONE(f);
}

DPS_TEST(rule07c_every_lasting_lookup_takes_a_reference)
{
	struct dps_endpoint *a, *b, *c;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	a = fx_get_ref(f.nic, "10.0.0.1");
	b = fx_find(f.nic, "10.0.0.1", DPS_PEB_CAN_BE_PRIMARY);
	c = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	CHECK(a != NULL && a == b && b == c);
	CHECK_EQ(dps_endpoint_refs(a), 4);
	dps_endpoint_put(a);
	dps_endpoint_put(b);
	dps_endpoint_put(c);
	CHECK_EQ(dps_endpoint_refs(a), 1);
	DONE(f);
}

DPS_TEST(rule08a_last_put_unlinks_from_map_and_primary)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	ep = fx_get_ref(f.nic, "10.0.0.7");
	CHECK(ep != NULL);
	CHECK(fx_ep(f.nic, "10.0.0.7", &i));
	CHECK(i.primary_index >= 0);
	dps_endpoint_put(ep);
	CHECK(!fx_ep(f.nic, "10.0.0.7", NULL));
	CHECK(dps_nic_primary_endpoint(f.nic, FAKE_V4) == NULL);
	dps_nic_set_promiscuous(f.nic, false);
	CHECK_EQ(dps_nic_rx_lookup_rcu(f.nic, &(struct dps_addr){.len = 4, .b = {10, 0, 0, 7}}),
		 DPS_RX_NONE);
	DONE(f);
}

/* ---- 9-11. lookups ---- */

DPS_TEST(rule09a_get_ref_existing_creates_nothing)
{
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	dps_nic_set_promiscuous(f.nic, true);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_PERMANENT);
	CHECK_EQ(fx_n_endpoints(f.nic), 1);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule09b_expired_not_used_even_in_range)
{
	struct dps_endpoint *ep;
	struct dps_prefix r = P("10.0.0.0/24");
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.5/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	ep = fx_get_ref(f.nic, "10.0.0.5");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.5"), 0);
	CHECK(fx_get_ref(f.nic, "10.0.0.5") == NULL);
	CHECK_EQ(dps_nic_rx_lookup_rcu(f.nic, dps_endpoint_addr(ep)), DPS_RX_NONE);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.1.9", "10.0.0.5"), 0);
	dps_endpoint_put(ep);
	/* Once gone, the range applies again. */
	CHECK_EQ(fx_send(&f, f.nic, "10.0.1.9", "10.0.0.5"), 1);
	DONE(f);
}

DPS_TEST(rule09c_expired_used_when_promiscuous)
{
	struct dps_endpoint *ep, *e2;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.5/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.5");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.5"), 0);
	dps_nic_set_promiscuous(f.nic, true);
	e2 = fx_get_ref(f.nic, "10.0.0.5");
	CHECK(e2 == ep);
	CHECK_EQ(dps_endpoint_kind(e2), DPS_EP_PERMANENT_EXPIRED);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	CHECK_EQ(dps_nic_rx_lookup_rcu(f.nic, dps_endpoint_addr(ep)), DPS_RX_LOCAL);
	dps_endpoint_put(e2);
	dps_endpoint_put(ep);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule09d_expired_found_only_when_spoofing)
{
	struct dps_endpoint *ep, *e2;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.5/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.5");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.5"), 0);
	CHECK(fx_find(f.nic, "10.0.0.5", DPS_PEB_CAN_BE_PRIMARY) == NULL);
	dps_nic_set_spoofing(f.nic, true);
	e2 = fx_find(f.nic, "10.0.0.5", DPS_PEB_CAN_BE_PRIMARY);
	CHECK(e2 == ep);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	dps_endpoint_put(e2);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule09e_range_creates_temporary)
{
	struct dps_endpoint *ep;
	struct dps_prefix r = P("10.0.0.0/24");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	ep = fx_get_ref(f.nic, "10.0.0.7");
	CHECK(ep != NULL);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_TEMPORARY);
	CHECK_EQ(dps_endpoint_prefix_len(ep), 32);
	CHECK(fx_get_ref(f.nic, "10.0.1.7") == NULL);
	dps_endpoint_put(ep);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule09f_range_network_address_excluded)
{
	struct dps_prefix r = P("10.0.0.0/24");
	struct dps_addr a = A("10.0.0.0");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK(fx_get_ref(f.nic, "10.0.0.0") == NULL);
	CHECK(!dps_nic_in_range_rcu(f.nic, &a));
	DONE(f);
}

DPS_TEST(rule09g_range_broadcast_address_excluded)
{
	struct dps_prefix r = P("10.0.0.0/24");
	struct dps_addr a = A("10.0.0.255"), b = A("10.0.0.254");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK(fx_get_ref(f.nic, "10.0.0.255") == NULL);
	CHECK(!dps_nic_in_range_rcu(f.nic, &a));
	CHECK(dps_nic_in_range_rcu(f.nic, &b));
	DONE(f);
}

DPS_TEST(rule09h_range_protocol_ignored)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	struct dps_prefix r = P("10.0.0.0/24");
	SETUP(f, 0);

	/* Registered under the IPv6-like protocol, it still serves IPv4-like lookups. */
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V6, &r), 0);
	ep = fx_get_ref(f.nic, "10.0.0.7");
	CHECK(ep != NULL);
	CHECK(fx_ep(f.nic, "10.0.0.7", &i));
	CHECK_EQ(i.proto, FAKE_V4); /* the temporary takes the caller's protocol */
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule09i_temporary_unknown_protocol_null)
{
	struct dps_addr a = A("10.0.0.7");
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	CHECK(dps_nic_get_ref(f.nic, FAKE_UNREG, &a) == NULL);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule09j_find_endpoint_uses_ranges)
{
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	struct dps_prefix r = P("10.0.0.0/24");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	ep = fx_find(f.nic, "10.0.0.9", DPS_PEB_NEVER_PRIMARY);
	CHECK(ep != NULL);
	CHECK(fx_ep(f.nic, "10.0.0.9", &i));
	CHECK_EQ(i.kind, DPS_EP_TEMPORARY);
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule09k_no_flag_no_range_no_endpoint)
{
	SETUP(f, 0);

	CHECK(fx_get_ref(f.nic, "10.0.0.9") == NULL);
	CHECK(fx_find(f.nic, "10.0.0.9", DPS_PEB_CAN_BE_PRIMARY) == NULL);
	CHECK(fx_get_ref(f.nic, "2001:db8::9") == NULL);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule10a_get_ref_follows_promiscuous_only)
{
	SETUP(f, 0);

	dps_nic_set_spoofing(f.nic, true);
	CHECK(fx_get_ref(f.nic, "10.0.0.9") == NULL);
	DONE(f);
}

DPS_TEST(rule10b_find_endpoint_follows_spoofing_only)
{
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	CHECK(fx_find(f.nic, "10.0.0.9", DPS_PEB_CAN_BE_PRIMARY) == NULL);
	DONE(f);
}

DPS_TEST(rule10c_temporary_primary_behaviour)
{
	struct dps_endpoint *a, *b;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	dps_nic_set_spoofing(f.nic, true);
	a = fx_get_ref(f.nic, "10.0.0.7");
	b = fx_find(f.nic, "10.0.0.8", DPS_PEB_FIRST_PRIMARY);
	CHECK(a != NULL && b != NULL);
	CHECK(fx_ep(f.nic, "10.0.0.7", &i));
	CHECK_EQ(i.peb, DPS_PEB_CAN_BE_PRIMARY);
	CHECK_EQ(i.primary_index, 1);
	CHECK(fx_ep(f.nic, "10.0.0.8", &i));
	CHECK_EQ(i.peb, DPS_PEB_FIRST_PRIMARY);
	CHECK_EQ(i.primary_index, 0);
	dps_endpoint_put(a);
	dps_endpoint_put(b);
	DONE(f);
}

DPS_TEST(rule10d_valid_for_outgoing)
{
	struct dps_endpoint *p, *t;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	p = fx_get_ref(f.nic, "10.0.0.1");
	dps_nic_set_promiscuous(f.nic, true);
	t = fx_get_ref(f.nic, "10.0.0.7");
	CHECK(p != NULL && t != NULL);
	CHECK(dps_endpoint_valid_for_outgoing(p));
	CHECK(dps_endpoint_valid_for_outgoing(t));
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK(!dps_endpoint_valid_for_outgoing(p));
	CHECK(!dps_nic_owns_rcu(f.nic, dps_endpoint_addr(p)));
	dps_nic_set_spoofing(f.nic, true);
	CHECK(dps_endpoint_valid_for_outgoing(p));
	CHECK(dps_nic_owns_rcu(f.nic, dps_endpoint_addr(p)));
	dps_endpoint_put(p);
	dps_endpoint_put(t);
	DONE(f);
}

DPS_TEST(rule11a_temporary_can_be_chosen_as_primary)
{
	struct dps_endpoint *t, *p;
	struct dps_protocol_address pa[4];
	SETUP(f, 0);

	dps_nic_set_spoofing(f.nic, true);
	t = fx_find(f.nic, "10.0.0.9", DPS_PEB_CAN_BE_PRIMARY);
	CHECK(t != NULL);
	p = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	CHECK(p == t);
	CHECK_EQ(dps_endpoint_refs(t), 2);
	CHECK_EQ(dps_nic_primary_addresses(f.nic, pa, 4), 0); /* but never listed */
	dps_endpoint_put(p);
	dps_endpoint_put(t);
	DONE(f);
}

/* ---- 12-13. primary order and selection ---- */

DPS_TEST(rule12a_can_be_primary_appends)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.3/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.1 10.0.0.2 10.0.0.3");
	DONE(f);
}

DPS_TEST(rule12b_first_primary_pushes_front)
{
	struct dps_endpoint *p;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.3/24", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.3 10.0.0.2 10.0.0.1");
	p = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	CHECK(p != NULL);
	CHECK_STR(dps_addr_fmt(dps_endpoint_addr(p), pbuf, sizeof(pbuf)), "10.0.0.3");
	dps_endpoint_put(p);
	DONE(f);
}

DPS_TEST(rule12c_never_primary_unlisted)
{
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.2");
	CHECK(fx_ep(f.nic, "10.0.0.1", &i));
	CHECK_EQ(i.primary_index, -1);
	CHECK(fx_ep(f.nic, "10.0.0.2", &i));
	CHECK_EQ(i.primary_index, 0);
	DONE(f);
}

DPS_TEST(rule12d_primary_lists_per_protocol)
{
	struct dps_endpoint *a, *b;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	a = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	b = dps_nic_primary_endpoint(f.nic, FAKE_V6);
	CHECK(a != NULL && b != NULL);
	CHECK_EQ(dps_endpoint_addr(a)->len, 4);
	CHECK_EQ(dps_endpoint_addr(b)->len, 16);
	CHECK(dps_nic_primary_endpoint(f.nic2, FAKE_V4) == NULL);
	dps_endpoint_put(a);
	dps_endpoint_put(b);
	DONE(f);
}

DPS_TEST(rule13a_primary_skips_unspecified_and_broadcast)
{
	struct dps_endpoint *p;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "0.0.0.0/0", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "255.255.255.255/32", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	/* Listed (seed PrimaryAddresses does not filter them), but never chosen. */
	CHECK_STR(PRIMARY(f.nic), "0.0.0.0 255.255.255.255 10.0.0.1");
	p = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	CHECK(p != NULL);
	CHECK_STR(dps_addr_fmt(dps_endpoint_addr(p), pbuf, sizeof(pbuf)), "10.0.0.1");
	dps_endpoint_put(p);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	CHECK(dps_nic_primary_endpoint(f.nic, FAKE_V4) == NULL);
	DONE(f);
}

DPS_TEST(rule13b_primary_skips_expired_unless_spoofing)
{
	struct dps_endpoint *ep, *p;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	p = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	CHECK(p != NULL && p != ep);
	dps_endpoint_put(p);
	dps_nic_set_spoofing(f.nic, true);
	p = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	CHECK(p == ep);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	dps_endpoint_put(p);
	dps_endpoint_put(ep);
	DONE(f);
}

DPS_TEST(rule13c_primary_skips_zero_refs)
{
	struct dps_endpoint *a, *p;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	a = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(a != NULL);
	dps_endpoint_put(a);
	/* White box: an entry whose count is zero fails tryget and is skipped. */
	__atomic_store_n(&a->refs, 0, __ATOMIC_RELEASE);
	p = dps_nic_primary_endpoint(f.nic, FAKE_V4);
	__atomic_store_n(&a->refs, 1, __ATOMIC_RELEASE);
	CHECK(p != NULL && p != a);
	dps_endpoint_put(p);
	DONE(f);
}

DPS_TEST(rule13d_primary_none)
{
	SETUP(f, 0);

	CHECK(dps_nic_primary_endpoint(f.nic, FAKE_V4) == NULL);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK(dps_nic_primary_endpoint(f.nic, FAKE_V4) == NULL);
	CHECK(dps_nic_primary_endpoint(f.nic, FAKE_UNREG) == NULL);
	DONE(f);
}

DPS_TEST(rule13e_data_path_primary_address)
{
	struct dps_addr out;
	struct dps_endpoint *ep;
	int v4 = 0, v6 = 1;
	SETUP(f, 0);

	CHECK_EQ(dps_nic_primary_addr_rcu(f.nic, (unsigned int)v4, &out), -EADDRNOTAVAIL);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "0.0.0.0/0", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.3/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_primary_addr_rcu(f.nic, (unsigned int)v4, &out), 0);
	CHECK_STR(dps_addr_fmt(&out, pbuf, sizeof(pbuf)), "10.0.0.2");
	ep = fx_get_ref(f.nic, "10.0.0.2");
	CHECK(ep != NULL);
	CHECK_EQ(fx_del(f.nic, "10.0.0.2"), 0);
	CHECK_EQ(dps_nic_primary_addr_rcu(f.nic, (unsigned int)v4, &out), 0);
	CHECK_STR(dps_addr_fmt(&out, pbuf, sizeof(pbuf)), "10.0.0.3");
	dps_endpoint_put(ep);
	CHECK_EQ(dps_nic_primary_addr_rcu(f.nic, (unsigned int)v6, &out), -EADDRNOTAVAIL);
	DONE(f);
}

/* ---- 14. ranges ---- */

DPS_TEST(rule14a_range_duplicates_allowed)
{
	struct dps_prefix r = P("10.0.0.0/24"), out[4];
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(dps_nic_ranges(f.nic, out, 4), 2);
	CHECK_EQ(dps_nic_ranges(f.nic2, out, 4), 0);
	DONE(f);
}

DPS_TEST(rule14b_range_remove_deletes_every_equal)
{
	struct dps_prefix r = P("10.0.0.0/24"), r2 = P("10.1.0.0/16"), out[4];
	SETUP(f, 0);

	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r2), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(dps_nic_remove_range(f.nic, &r), 0);
	CHECK_EQ(dps_nic_ranges(f.nic, out, 4), 1);
	CHECK_STR(dps_prefix_fmt(&out[0], pbuf, sizeof(pbuf)), "10.1.0.0/16");
	CHECK(fx_get_ref(f.nic, "10.0.0.7") == NULL);
	CHECK_EQ(fx_send(&f, f.nic, "10.2.0.1", "10.0.0.7"), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.2.0.1", "10.1.0.7"), 1);
	DONE(f);
}

DPS_TEST(rule14c_range_remove_absent_silent)
{
	struct dps_prefix r = P("10.0.0.0/24"), r2 = P("10.0.0.0/25"), out[4];
	SETUP(f, 0);

	CHECK_EQ(dps_nic_remove_range(f.nic, &r), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(dps_nic_remove_range(f.nic, &r2), 0); /* equal means same prefix length too */
	CHECK_EQ(dps_nic_ranges(f.nic, out, 4), 1);
	DONE(f);
}

DPS_TEST(rule14d_host_range_matches_nothing)
{
	struct dps_prefix r = P("10.0.0.7/32");
	SETUP(f, 0);

	/* A /32's only address is both its network and its broadcast address. */
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK(fx_get_ref(f.nic, "10.0.0.7") == NULL);
	CHECK_EQ(fx_send(&f, f.nic, "10.2.0.1", "10.0.0.7"), 0);
	DONE(f);
}

/* ---- 15-16. multicast ---- */

DPS_TEST(rule15a_join_creates_permanent_never_primary)
{
	struct dps_addr g = A("224.0.0.5");
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), 0);
	CHECK_EQ(fx_joins(f.nic, "224.0.0.5"), 1);
	CHECK(fx_ep(f.nic, "224.0.0.5", &i));
	CHECK_EQ(i.kind, DPS_EP_PERMANENT);
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	CHECK_EQ(i.prefix.plen, 32);
	CHECK_EQ(i.primary_index, -1);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "224.0.0.5"), 1);
	DONE(f);
}

DPS_TEST(rule15b_join_counts)
{
	struct dps_addr g = A("ff05::2");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V6, &g), 0);
	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V6, &g), 0);
	CHECK_EQ(fx_joins(f.nic, "ff05::2"), 2);
	CHECK_EQ(fx_n_endpoints(f.nic), 1);
	CHECK_EQ(fx_joins(f.nic2, "ff05::2"), 0);
	DONE(f);
}

DPS_TEST(rule15c_join_over_permanent_eexist)
{
	struct dps_addr g = A("224.0.0.5");
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "224.0.0.5/32", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), -EEXIST);
	CHECK_EQ(fx_joins(f.nic, "224.0.0.5"), 0);
	DONE(f);
}

DPS_TEST(rule15d_join_unknown_protocol)
{
	struct dps_addr g = A("224.0.0.5");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_UNREG, &g), -EPROTONOSUPPORT);
	CHECK_EQ(fx_joins(f.nic, "224.0.0.5"), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule15e_leave_not_joined)
{
	struct dps_addr g = A("224.0.0.5");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_leave_group(f.nic, &g), -EADDRNOTAVAIL);
	DONE(f);
}

DPS_TEST(rule15f_leave_last_removes_endpoint)
{
	struct dps_addr g = A("224.0.0.5");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), 0);
	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), 0);
	CHECK_EQ(dps_nic_leave_group(f.nic, &g), 0);
	CHECK_EQ(fx_joins(f.nic, "224.0.0.5"), 1);
	CHECK(fx_ep(f.nic, "224.0.0.5", NULL));
	CHECK_EQ(dps_nic_leave_group(f.nic, &g), 0);
	CHECK_EQ(fx_joins(f.nic, "224.0.0.5"), 0);
	CHECK(!fx_ep(f.nic, "224.0.0.5", NULL));
	CHECK_EQ(dps_nic_leave_group(f.nic, &g), -EADDRNOTAVAIL);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "224.0.0.5"), 0);
	DONE(f);
}

DPS_TEST(rule15g_leave_error_keeps_count)
{
	struct dps_addr g = A("224.0.0.5");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), 0);
	/* The group's endpoint is a permanent address: RemoveAddress may take it. */
	CHECK_EQ(dps_nic_remove_address(f.nic, &g), 0);
	CHECK_EQ(dps_nic_leave_group(f.nic, &g), -EADDRNOTAVAIL);
	CHECK_EQ(fx_joins(f.nic, "224.0.0.5"), 1);
	DONE(f);
}

DPS_TEST(rule15h_join_promotes_temporary)
{
	struct dps_addr g = A("224.0.0.9");
	struct dps_endpoint *ep;
	struct dps_endpoint_info i;
	SETUP(f, 0);

	dps_nic_set_promiscuous(f.nic, true);
	ep = fx_get_ref(f.nic, "224.0.0.9");
	CHECK(ep != NULL);
	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), 0);
	CHECK_EQ(dps_endpoint_kind(ep), DPS_EP_PERMANENT);
	CHECK_EQ(dps_endpoint_refs(ep), 2);
	CHECK(fx_ep(f.nic, "224.0.0.9", &i));
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	CHECK_EQ(i.primary_index, -1);
	dps_endpoint_put(ep);
	CHECK_EQ(dps_nic_leave_group(f.nic, &g), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule15i_join_sends_nothing)
{
	struct dps_addr g = A("224.0.0.5"), g6 = A("ff05::5");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V4, &g), 0);
	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V6, &g6), 0);
	CHECK_EQ(dps_nic_leave_group(f.nic, &g6), 0);
	dps_ctx_flush(f.ctx);
	CHECK_EQ(f.link.calls, 0);
	CHECK_EQ(fx_cnt(&f, NULL, DPS_CNT_TX_PACKETS), 0);
	DONE(f);
}

DPS_TEST(rule16a_ipv6_unicast_joins_solicited_node)
{
	struct dps_endpoint_info i;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1:2:3/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff02:3"), 1);
	CHECK(fx_ep(f.nic, "ff02::1:ff02:3", &i));
	CHECK_EQ(i.kind, DPS_EP_PERMANENT);
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	CHECK_EQ(i.prefix.plen, 128);
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::9", "ff02::1:ff02:3"), 1);
	DONE(f);
}

DPS_TEST(rule16b_temporary_ipv6_joins_and_leaves_solicited_node)
{
	struct dps_endpoint *t;
	SETUP(f, 0);

	dps_nic_set_spoofing(f.nic, true);
	t = fx_find(f.nic, "2001:db8::77", DPS_PEB_CAN_BE_PRIMARY);
	CHECK(t != NULL);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:77"), 1);
	dps_endpoint_put(t);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:77"), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 0);
	DONE(f);
}

DPS_TEST(rule16c_multicast_ipv6_joins_no_solicited_node)
{
	struct dps_addr g = A("ff05::2");
	SETUP(f, 0);

	CHECK_EQ(dps_nic_join_group(f.nic, FAKE_V6, &g), 0);
	CHECK_EQ(fx_add(f.nic, "::/128", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 2);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:2"), 0);
	CHECK_EQ(fx_joins(f.nic, "ff02::1:ff00:0"), 0);
	DONE(f);
}

DPS_TEST(rule16d_ipv4_joins_nothing)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_n_endpoints(f.nic), 1);
	DONE(f);
}

DPS_TEST(rule16e_solicited_join_failure_fails_add)
{
	SETUP(f, 0);

	/* The solicited-node address is already a permanent address: the join fails, so does
	 * the add, and nothing is left behind. */
	CHECK_EQ(fx_add(f.nic, "ff02::1:ff00:1/128", DPS_PEB_NEVER_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), -EEXIST);
	CHECK(!fx_ep(f.nic, "2001:db8::1", NULL));
	CHECK_EQ(fx_n_endpoints(f.nic), 1);
	DONE(f);
}

/* ---- 17. enable ---- */

DPS_TEST(rule17a_enable_runs_hooks_in_order_under_lock)
{
	SETUP(f, FX_NOIP);

	CHECK_EQ(dps_nic_enable(f.nic), 0);
	CHECK_STR(fake_rec.enable_order, "46n");
	CHECK_EQ(fake_rec.enable_locked_held, 3);
	CHECK_EQ(fake_rec.enable_unlocked, 0);
	DONE(f);
	{
		SETUP(g, FX_V6_FIRST);

		CHECK_EQ(dps_nic_enable(g.nic), 0);
		CHECK_STR(fake_rec.enable_order, "64");
		DONE(g);
	}
}

DPS_TEST(rule17b_enable_broadcast_and_all_nodes)
{
	struct dps_endpoint_info i;
	struct dps_protocol_address pa[4];
	SETUP(f, FX_ENABLE);

	CHECK(fx_ep(f.nic, "255.255.255.255", &i));
	CHECK_EQ(i.kind, DPS_EP_PERMANENT);
	CHECK_EQ(i.peb, DPS_PEB_NEVER_PRIMARY);
	CHECK_EQ(fx_joins(f.nic, "ff02::1"), 1);
	CHECK_EQ(dps_nic_primary_addresses(f.nic, pa, 4), 0);
	CHECK_EQ(fx_send(&f, f.nic, "10.0.0.9", "255.255.255.255"), 1);
	CHECK_EQ(fx_send(&f, f.nic, "2001:db8::9", "ff02::1"), 1);
	DONE(f);
}

DPS_TEST(rule17c_enable_twice_eexist)
{
	SETUP(f, FX_ENABLE);

	CHECK_EQ(dps_nic_enable(f.nic), -EEXIST);
	CHECK_EQ(fx_joins(f.nic, "ff02::1"), 1);
	CHECK_EQ(fx_n_endpoints(f.nic), 2);
	DONE(f);
}

DPS_TEST(rule17d_enable_stops_at_first_error)
{
	SETUP(f, 0);

	fake_rec.enable_v4_ret = -EIO;
	CHECK_EQ(dps_nic_enable(f.nic), -EIO);
	CHECK_STR(fake_rec.enable_order, "4");
	CHECK_EQ(fx_joins(f.nic, "ff02::1"), 0);
	DONE(f);
}

/* ---- 18-20. queries ---- */

DPS_TEST(rule18a_all_addresses_excludes_temporary_and_expired)
{
	struct dps_endpoint *b, *c;
	struct dps_protocol_address pa[8];
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	b = fx_get_ref(f.nic, "10.0.0.2");
	CHECK_EQ(fx_del(f.nic, "10.0.0.2"), 0);
	dps_nic_set_promiscuous(f.nic, true);
	c = fx_get_ref(f.nic, "10.0.0.3");
	CHECK(b != NULL && c != NULL);
	CHECK_EQ(dps_nic_all_addresses(f.nic, pa, 8), 1);
	CHECK_STR(dps_addr_fmt(&pa[0].prefix.addr, pbuf, sizeof(pbuf)), "10.0.0.1");
	dps_endpoint_put(b);
	dps_endpoint_put(c);
	DONE(f);
}

DPS_TEST(rule18b_all_addresses_include_group_endpoints)
{
	struct dps_protocol_address pa[8];
	char got[256] = "";
	SETUP(f, FX_ENABLE);

	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_all_addresses(f.nic, pa, 8), 4);
	for (int i = 0; i < 4; i++) {
		strcat(got, " ");
		strcat(got, dps_addr_fmt(&pa[i].prefix.addr, pbuf, sizeof(pbuf)));
	}
	/* Creation order within a protocol: the solicited-node group is joined before the
	 * address itself is published (seed addAddressLocked). */
	CHECK(strstr(got, " 255.255.255.255") == got);
	CHECK(strstr(got, " ff02::1 ") != NULL);
	CHECK(strstr(got, " ff02::1:ff00:1") != NULL);
	CHECK(strstr(got, " 2001:db8::1") != NULL);
	DONE(f);
}

DPS_TEST(rule18c_all_addresses_deterministic_order)
{
	struct dps_protocol_address pa[8];
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "ff05::2/128", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "ff05::1/128", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_all_addresses(f.nic, pa, 8), 4);
	CHECK_STR(dps_addr_fmt(&pa[0].prefix.addr, pbuf, sizeof(pbuf)), "10.0.0.2");
	CHECK_STR(dps_addr_fmt(&pa[1].prefix.addr, pbuf, sizeof(pbuf)), "10.0.0.1");
	CHECK_STR(dps_addr_fmt(&pa[2].prefix.addr, pbuf, sizeof(pbuf)), "ff05::2");
	CHECK_STR(dps_addr_fmt(&pa[3].prefix.addr, pbuf, sizeof(pbuf)), "ff05::1");
	CHECK_EQ(pa[2].proto, FAKE_V6);
	DONE(f);
	{
		SETUP(g, FX_V6_FIRST);

		CHECK_EQ(fx_add(g.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
		CHECK_EQ(fx_add(g.nic, "ff05::2/128", DPS_PEB_CAN_BE_PRIMARY), 0);
		CHECK_EQ(dps_nic_all_addresses(g.nic, pa, 8), 2);
		CHECK_STR(dps_addr_fmt(&pa[0].prefix.addr, pbuf, sizeof(pbuf)), "ff05::2");
		CHECK_STR(PRIMARY(g.nic), "ff05::2 10.0.0.2");
		DONE(g);
	}
}

DPS_TEST(rule18d_query_returns_total_beyond_max)
{
	struct dps_protocol_address pa[2];
	struct dps_prefix pr[2];
	SETUP(f, 0);

	for (int i = 1; i <= 5; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.0.0.%d/24", i);
		CHECK_EQ(fx_add(f.nic, s, DPS_PEB_CAN_BE_PRIMARY), 0);
	}
	memset(pa, 0, sizeof(pa));
	CHECK_EQ(dps_nic_all_addresses(f.nic, pa, 2), 5);
	CHECK_STR(dps_addr_fmt(&pa[1].prefix.addr, pbuf, sizeof(pbuf)), "10.0.0.2");
	CHECK_EQ(dps_nic_primary_addresses(f.nic, pa, 2), 5);
	CHECK_EQ(dps_nic_address_ranges(f.nic, pr, 2), 5);
	CHECK_EQ(dps_nic_endpoints(f.nic, NULL, 0), 5);
	DONE(f);
}

DPS_TEST(rule19a_primary_addresses_exclude_temporary_and_expired)
{
	struct dps_endpoint *a, *t;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	a = fx_get_ref(f.nic, "10.0.0.1");
	CHECK_EQ(fx_del(f.nic, "10.0.0.1"), 0);
	dps_nic_set_spoofing(f.nic, true);
	t = fx_find(f.nic, "10.0.0.3", DPS_PEB_FIRST_PRIMARY);
	CHECK(a != NULL && t != NULL);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.2");
	dps_endpoint_put(a);
	dps_endpoint_put(t);
	DONE(f);
}

DPS_TEST(rule19b_primary_addresses_protocol_then_list_order)
{
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "2001:db8::1/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_FIRST_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "2001:db8::2/64", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_STR(PRIMARY(f.nic), "10.0.0.2 10.0.0.1 2001:db8::1 2001:db8::2");
	DONE(f);
}

DPS_TEST(rule20a_address_ranges_every_kind_then_ranges)
{
	struct dps_endpoint *b, *c;
	struct dps_prefix r = P("10.9.0.0/16"), out[8];
	char got[256] = "";
	int n;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V4, &r), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_NEVER_PRIMARY), 0);
	b = fx_get_ref(f.nic, "10.0.0.2");
	CHECK_EQ(fx_del(f.nic, "10.0.0.2"), 0);
	dps_nic_set_promiscuous(f.nic, true);
	c = fx_get_ref(f.nic, "10.0.0.3");
	CHECK(b != NULL && c != NULL);
	n = dps_nic_address_ranges(f.nic, out, 8);
	CHECK_EQ(n, 4);
	for (int i = 0; i < n; i++) {
		strcat(got, i ? " " : "");
		strcat(got, dps_prefix_fmt(&out[i], pbuf, sizeof(pbuf)));
	}
	CHECK_STR(got, "10.0.0.1/32 10.0.0.2/32 10.0.0.3/32 10.9.0.0/16");
	dps_endpoint_put(b);
	dps_endpoint_put(c);
	DONE(f);
}

DPS_TEST(rule20b_ranges_query_lists_only_ranges)
{
	struct dps_prefix r = P("2001:db8:1::/48"), out[4];
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(dps_nic_add_range(f.nic, FAKE_V6, &r), 0);
	CHECK_EQ(dps_nic_ranges(f.nic, out, 4), 1);
	CHECK_STR(dps_prefix_fmt(&out[0], pbuf, sizeof(pbuf)), "2001:db8:1::/48");
	DONE(f);
}

DPS_TEST(rule20c_endpoints_report_state)
{
	struct dps_endpoint_info i[4];
	struct dps_endpoint *ep;
	SETUP(f, 0);

	CHECK_EQ(fx_add(f.nic, "10.0.0.1/24", DPS_PEB_CAN_BE_PRIMARY), 0);
	CHECK_EQ(fx_add(f.nic, "10.0.0.2/24", DPS_PEB_FIRST_PRIMARY), 0);
	ep = fx_get_ref(f.nic, "10.0.0.1");
	CHECK(ep != NULL);
	CHECK_EQ(dps_nic_endpoints(f.nic, i, 4), 2);
	CHECK_STR(dps_addr_fmt(&i[0].prefix.addr, pbuf, sizeof(pbuf)), "10.0.0.1");
	CHECK_EQ(i[0].refs, 2);
	CHECK_EQ(i[0].primary_index, 1);
	CHECK_EQ(i[1].primary_index, 0);
	CHECK_EQ(i[1].peb, DPS_PEB_FIRST_PRIMARY);
	dps_endpoint_put(ep);
	DONE(f);
}

/* ---- address helpers used by the rules ---- */

DPS_TEST(rule20d_prefix_network_broadcast_contains)
{
	struct dps_prefix p = P("10.1.2.3/20");
	struct dps_addr n, b, a = A("10.1.15.255"), o = A("10.1.16.0"), v6 = A("::1");
	SETUP(f, 0);

	dps_prefix_network(&p, &n);
	dps_prefix_broadcast(&p, &b);
	CHECK_STR(dps_addr_fmt(&n, pbuf, sizeof(pbuf)), "10.1.0.0");
	CHECK_STR(dps_addr_fmt(&b, pbuf, sizeof(pbuf)), "10.1.15.255");
	CHECK(dps_prefix_contains(&p, &a));
	CHECK(!dps_prefix_contains(&p, &o));
	CHECK(!dps_prefix_contains(&p, &v6));
	CHECK_EQ(dps_prefix_parse("10.0.0.1/33", &p), -EINVAL);
	DONE(f);
}

int
main(int argc, char **argv)
{
	return dps_test_main(argc, argv, true, NULL);
}
