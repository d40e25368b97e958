/* SPDX-License-Identifier: Apache-2.0 */
/*
 * IPv4 options (RFC 791 3.1, RFC 1812 5.2.4) of forwarded packets (fwd.c) and of packets for
 * us (ipv4.c, RFC 1122 3.2.1.8): every option's length and pointer are checked, Record Route
 * and Timestamp get our entry, source routes are found for fwd.c to follow (or refuse: RFC
 * 1812 5.2.4.1's switch). The slow side only: the fused fast path never takes a header with
 * options (IHL 5 only), so this costs nothing on the fast loop.
 */
#include <time.h>

#include <rte_byteorder.h>
#include <rte_ip.h>

#include "dps_proto_priv.h"

enum {
	OPT_EOL = 0,
	OPT_NOP = 1,
	OPT_RR = 7,
	OPT_TS = 68,
	OPT_LSRR = DPS_IP4OPT_LSRR,
	OPT_SSRR = DPS_IP4OPT_SSRR,
};

/* A route option (RR, LSRR, SSRR): 4-byte entries after type, length, pointer (RFC 791). */
static uint32_t
opt_route_check(const uint8_t *o, uint32_t at)
{
	uint8_t len = o[1], ptr = o[2];

	if (len < 3 || (len - 3) % 4 != 0)
		return at + 1;
	/* The pointer starts at 4 and moves by 4; len + 1 means full. */
	if (ptr < 4 || (ptr - 4) % 4 != 0 || ptr > len + 1)
		return at + 2;
	return 0;
}

/* Timestamp: type, length, pointer, overflow|flag, then 4-byte or 8-byte entries. */
static uint32_t
opt_ts_check(const uint8_t *o, uint32_t at)
{
	uint8_t len = o[1], ptr = o[2], flg = o[3] & 0x0f;
	uint32_t esz;

	if (len < 4)
		return at + 1;
	if (flg == 0)
		esz = 4;
	else if (flg == 1 || flg == 3)
		esz = 8;
	else
		return at + 3;
	if ((len - 4) % esz != 0)
		return at + 1;
	if (ptr < 5 || (ptr - 5) % esz != 0 || ptr > len + 1)
		return at + 2;
	/* RFC 791: a full option whose overflow count would wrap makes the datagram bad. */
	if (ptr > len && (o[3] >> 4) == 15)
		return at + 3;
	return 0;
}

int
dps_ip4_options_check(const uint8_t *h, uint32_t hlen, uint32_t *fault)
{
	int verdict = DPS_IP4OPT_OK;
	uint32_t p = 20;

	while (p < hlen) {
		const uint8_t *o = h + p;
		uint32_t bad = 0;

		if (o[0] == OPT_EOL)
			break;
		if (o[0] == OPT_NOP) {
			p++;
			continue;
		}
		/* Every other option has a length octet, at least 2, within the header. */
		if (p + 1 >= hlen) {
			*fault = p;
			return DPS_IP4OPT_BAD;
		}
		if (o[1] < 2 || p + o[1] > hlen) {
			*fault = p + 1;
			return DPS_IP4OPT_BAD;
		}
		switch (o[0]) {
		case OPT_RR:
			bad = opt_route_check(o, p);
			break;
		case OPT_LSRR:
		case OPT_SSRR:
			bad = opt_route_check(o, p);
			if (bad == 0)
				verdict = DPS_IP4OPT_SOURCE_ROUTE;
			break;
		case OPT_TS:
			bad = opt_ts_check(o, p);
			break;
		default:
			/* RFC 1122 3.2.1.8, RFC 1812 5.2.4: unknown options are passed untouched. */
			break;
		}
		if (bad != 0) {
			*fault = bad;
			return DPS_IP4OPT_BAD;
		}
		p += o[1];
	}
	return verdict;
}

/* RFC 791 (Internet Timestamp): milliseconds since midnight UT. */
static uint32_t
ms_since_midnight_ut(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return rte_cpu_to_be_32(0x80000000u); /* high bit: not a standard value */
	return rte_cpu_to_be_32((uint32_t)((ts.tv_sec % 86400) * 1000 + ts.tv_nsec / 1000000));
}

bool
dps_ip4_options_fill(uint8_t *h, uint32_t hlen, uint32_t addr_be)
{
	bool changed = false;
	uint32_t p = 20;

	/* Called on options dps_ip4_options_check() accepted. */
	while (p < hlen && h[p] != OPT_EOL) {
		uint8_t *o = h + p;

		if (o[0] == OPT_NOP) {
			p++;
			continue;
		}
		if (o[0] == OPT_RR && o[2] + 3 <= o[1]) {
			/* RFC 791 Record Route: our outgoing address where the pointer is. */
			memcpy(o + o[2] - 1, &addr_be, 4);
			o[2] += 4;
			changed = true;
		} else if (o[0] == OPT_TS) {
			uint8_t flg = o[3] & 0x0f;
			uint32_t esz = flg == 0 ? 4 : 8;
			uint32_t now = ms_since_midnight_ut();

			if (o[2] + esz - 1 > o[1]) {
				/* Full: count the module that could not register (RFC 791). */
				o[3] = (uint8_t)((o[3] & 0x0f) | (((o[3] >> 4) + 1) << 4));
				changed = true;
			} else if (flg == 0) {
				memcpy(o + o[2] - 1, &now, 4);
				o[2] += 4;
				changed = true;
			} else if (flg == 1 ||
				   memcmp(o + o[2] - 1, &addr_be, 4) == 0) {
				/* flag 1: address and time; flag 3: only when the address is ours. */
				memcpy(o + o[2] - 1, &addr_be, 4);
				memcpy(o + o[2] + 3, &now, 4);
				o[2] += 8;
				changed = true;
			}
		}
		p += o[1];
	}
	return changed;
}

uint32_t
dps_ip4_source_route_find(const uint8_t *h, uint32_t hlen)
{
	uint32_t p = 20;

	/* Called on options dps_ip4_options_check() accepted: every length is sound. */
	while (p < hlen && h[p] != OPT_EOL) {
		if (h[p] == OPT_NOP) {
			p++;
			continue;
		}
		/* RFC 1122 3.2.1.8: more than one is implementation-specific: the first wins. */
		if (h[p] == OPT_LSRR || h[p] == OPT_SSRR)
			return p;
		p += h[p + 1];
	}
	return 0;
}
