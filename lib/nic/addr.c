/* SPDX-License-Identifier: Apache-2.0 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dps_nic.h"

int
dps_addr_parse(const char *s, struct dps_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (s == NULL)
		return -EINVAL;
	if (inet_pton(AF_INET, s, a->b) == 1) {
		a->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a->b) == 1) {
		a->len = 16;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

int
dps_prefix_parse(const char *s, struct dps_prefix *p)
{
	char buf[64];
	const char *slash;
	char *end;
	long plen;

	memset(p, 0, sizeof(*p));
	if (s == NULL || strlen(s) >= sizeof(buf))
		return -EINVAL;
	slash = strchr(s, '/');
	if (slash == NULL) {
		if (dps_addr_parse(s, &p->addr) < 0)
			return -EINVAL;
		p->plen = p->addr.len * 8;
		return 0;
	}
	memcpy(buf, s, slash - s);
	buf[slash - s] = '\0';
	if (dps_addr_parse(buf, &p->addr) < 0 || slash[1] == '\0')
		return -EINVAL;
	errno = 0;
	plen = strtol(slash + 1, &end, 10);
	if (errno != 0 || *end != '\0' || plen < 0 || plen > p->addr.len * 8)
		return -EINVAL;
	p->plen = (uint8_t)plen;
	return 0;
}

char *
dps_addr_fmt(const struct dps_addr *a, char *buf, size_t len)
{
	if (a->len == 4 || a->len == 16) {
		if (inet_ntop(a->len == 4 ? AF_INET : AF_INET6, a->b, buf, len) != NULL)
			return buf;
	}
	snprintf(buf, len, "?");
	return buf;
}

char *
dps_prefix_fmt(const struct dps_prefix *p, char *buf, size_t len)
{
	char a[64];

	snprintf(buf, len, "%s/%u", dps_addr_fmt(&p->addr, a, sizeof(a)), p->plen);
	return buf;
}

bool
dps_addr_eq(const struct dps_addr *a, const struct dps_addr *b)
{
	return a->len == b->len && memcmp(a->b, b->b, a->len) == 0;
}

/* Byte i of the mask of a prefix length. */
static inline uint8_t
mask_byte(uint8_t plen, unsigned int i)
{
	unsigned int bits = i * 8;

	if (plen >= bits + 8)
		return 0xff;
	if (plen <= bits)
		return 0;
	return (uint8_t)(0xff << (8 - (plen - bits)));
}

bool
dps_prefix_contains(const struct dps_prefix *p, const struct dps_addr *a)
{
	if (p->addr.len != a->len)
		return false;
	for (unsigned int i = 0; i < a->len; i++) {
		uint8_t m = mask_byte(p->plen, i);

		if ((p->addr.b[i] & m) != (a->b[i] & m))
			return false;
	}
	return true;
}

void
dps_prefix_network(const struct dps_prefix *p, struct dps_addr *out)
{
	*out = p->addr;
	for (unsigned int i = 0; i < out->len; i++)
		out->b[i] &= mask_byte(p->plen, i);
}

void
dps_prefix_broadcast(const struct dps_prefix *p, struct dps_addr *out)
{
	*out = p->addr;
	for (unsigned int i = 0; i < out->len; i++)
		out->b[i] |= (uint8_t)~mask_byte(p->plen, i);
}

void
dps_addr_from_ipv4(struct dps_addr *a, uint32_t host_order)
{
	uint32_t be = htonl(host_order);

	memset(a, 0, sizeof(*a));
	a->len = 4;
	memcpy(a->b, &be, 4);
}

void
dps_addr_from_ipv6(struct dps_addr *a, const uint8_t *b16)
{
	memset(a, 0, sizeof(*a));
	a->len = 16;
	memcpy(a->b, b16, 16);
}
