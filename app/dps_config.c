/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration file parser (format: docs/configuration.md).
 *
 * One pass over the lines, each handled in place in a private copy of the text. Every item
 * remembers its line, the first mistake stops the parse with one `FILE:LINE: message`, and the
 * checks that need the whole file (a route naming a NIC defined further down) run at the end
 * in file order, so the message points at the first offending line that could be found.
 */
#include <ctype.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

#include <rte_config.h>
#include <rte_ethdev.h>

#include "dps_config.h"

/* A configuration is a few kilobytes; anything this large is the wrong file. */
#define CFG_MAX_FILE_SIZE (64u << 20)
/* Most whitespace-separated words in one value (`echo =` takes the most). */
#define CFG_MAX_TOKENS (DPS_CFG_MAX_UDP_ECHO + 1)

enum section {
	SEC_NONE,
	SEC_STACK,
	SEC_NIC,
	SEC_ROUTES,
	SEC_NEIGHBORS,
	SEC_UDP,
};

/* The keys of [nic] that may appear once; their lines name the first one in duplicate errors. */
enum nic_key {
	NK_PORT,
	NK_PROMISCUOUS,
	NK_SPOOFING,
	NK_FORWARDING,
	NK_REDIRECTS,
	NK_SOURCE_ROUTE,
	NK_MTU,
	NK_MAC,
	NK_RA,
	NK_RA_INTERVAL,
	NK_VLAN,
	NK_MAX,
};

/* A `dev NAME` (route) or NIC (neighbour) that named a NIC not defined yet. */
struct pending_ref {
	bool is_route;
	unsigned idx;
	char name[DPS_CFG_NIC_NAME_MAX + 1];
	int line;
};

struct parser {
	struct dps_config *cfg;
	const char *name;
	char *err;
	size_t errlen;
	int line;
	enum section sec;
	char sec_label[32];
	int nic; /* index of the open [nic] section */
	int nic_key_line[NK_MAX];
	int stack_key_line[24]; /* stack_uint_keys[], then forwarding */
	int udp_lines[DPS_CFG_MAX_UDP_ECHO];
	/* NIC name of each neighbour, so duplicates compare before the NIC is known. */
	char (*neigh_nic)[DPS_CFG_NIC_NAME_MAX + 1];
	struct pending_ref *pend;
	unsigned n_pend;
};

/* The app's one writer of `err, errlen` out-parameters (apply, ports, config). */
void
dps_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Write `FILE:LINE: message` and return -EINVAL, so callers can `return fail_at(...)`. */
static int __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, int line, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (ps->err == NULL || ps->errlen == 0)
		return -EINVAL;
	n = snprintf(ps->err, ps->errlen, "%s:%d: ", ps->name, line);
	if (n >= 0 && (size_t)n < ps->errlen) {
		va_start(ap, fmt);
		vsnprintf(ps->err + n, ps->errlen - n, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

#define fail(ps, ...) fail_at((ps), (ps)->line, __VA_ARGS__)

static int
oom(struct parser *ps)
{
	fail(ps, "out of memory");
	return -ENOMEM;
}

/*
 * Make room for element n of *arr. Capacity is implied by n (8, then powers of two), so the
 * public structs need no capacity fields.
 */
static int
grow(void **arr, unsigned n, size_t size)
{
	size_t cap;
	void *p;

	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return 0;
	cap = n == 0 ? 8 : (size_t)n * 2;
	p = realloc(*arr, cap * size);
	if (p == NULL)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split s in place at blanks. Returns the number of words, which may exceed max. */
static unsigned
split(char *s, char **tok, unsigned max)
{
	unsigned n = 0;

	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			return n;
		if (n < max)
			tok[n] = s;
		n++;
		while (*s != '\0' && !isspace((unsigned char)*s))
			s++;
		if (*s != '\0')
			*s++ = '\0';
	}
}

/* Decimal digits only: no sign, no blanks, no hex, so `port = -1` or `mtu = 0x600` are errors. */
static int
parse_uint(const char *s, unsigned long max, unsigned long *v)
{
	unsigned long x = 0;
	bool over = false;

	if (*s == '\0')
		return -EINVAL;
	for (; *s != '\0'; s++) {
		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		unsigned long d = (unsigned long)(*s - '0');

		if (over || x > (ULONG_MAX - d) / 10 || x * 10 + d > max)
			over = true;
		else
			x = x * 10 + d;
	}
	if (over)
		return -ERANGE;
	*v = x;
	return 0;
}

static bool
is_decimal(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

int
dps_parse_addr(const char *s, struct dps_addr *a)
{
	if (s == NULL || a == NULL)
		return -EINVAL;
	return dps_addr_parse(s, a);
}

static unsigned
addr_bits(const struct dps_addr *a)
{
	return a->len * 8u;
}

static bool
has_host_bits(const struct dps_prefix *p)
{
	unsigned bytes = addr_bits(&p->addr) / 8;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned first = i * 8;
		uint8_t host_mask;

		if (first + 8 <= p->plen)
			continue;
		host_mask = first >= p->plen ? 0xff : (uint8_t)(0xff >> (p->plen - first));
		if (p->addr.b[i] & host_mask)
			return true;
	}
	return false;
}

static void
clear_host_bits(struct dps_prefix *p)
{
	unsigned bytes = addr_bits(&p->addr) / 8;

	for (unsigned i = 0; i < bytes; i++) {
		unsigned first = i * 8;

		if (first + 8 <= p->plen)
			continue;
		p->addr.b[i] &= first >= p->plen ? 0 : (uint8_t) ~(0xff >> (p->plen - first));
	}
}

int
dps_parse_prefix(const char *s, struct dps_prefix *p, bool allow_host_bits)
{
	char buf[INET6_ADDRSTRLEN];
	struct dps_prefix r;
	const char *slash;
	unsigned long plen;
	size_t alen;
	int rc;

	if (s == NULL || p == NULL)
		return -EINVAL;
	slash = strchr(s, '/');
	alen = slash != NULL ? (size_t)(slash - s) : strlen(s);
	if (alen == 0 || alen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	memset(&r, 0, sizeof(r));
	if (dps_parse_addr(buf, &r.addr) != 0)
		return -EINVAL;
	plen = addr_bits(&r.addr);
	if (slash != NULL) {
		rc = parse_uint(slash + 1, addr_bits(&r.addr), &plen);
		if (rc != 0)
			return rc;
	}
	r.plen = (uint8_t)plen;
	*p = r;
	if (!allow_host_bits && has_host_bits(&r))
		return -EDOM;
	return 0;
}

int
dps_parse_mac(const char *s, uint8_t mac[6])
{
	uint8_t r[6];

	if (s == NULL || mac == NULL || strlen(s) != 17)
		return -EINVAL;
	for (unsigned i = 0; i < 6; i++) {
		const char *h = s + i * 3;
		char hex[3] = {h[0], h[1], '\0'};

		if (!isxdigit((unsigned char)h[0]) || !isxdigit((unsigned char)h[1]))
			return -EINVAL;
		if (i < 5 && h[2] != ':')
			return -EINVAL;
		r[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	memcpy(mac, r, 6);
	return 0;
}

char *
dps_mac_fmt(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
		 mac[5]);
	return buf;
}

int
dps_parse_onoff(const char *s, bool *v)
{
	if (s == NULL || v == NULL)
		return -EINVAL;
	if (strcasecmp(s, "on") == 0)
		*v = true;
	else if (strcasecmp(s, "off") == 0)
		*v = false;
	else
		return -EINVAL;
	return 0;
}

/*
 * Unspecified, multicast and the limited broadcast can be neither an interface address, a
 * gateway nor a neighbour: they never identify one station (RFC 1122 3.2.1.3, RFC 4291 2.7).
 */
static bool
addr_is_unicast(const struct dps_addr *a)
{
	static const uint8_t zero[16];

	if (a->len == 4) {
		if (memcmp(a->b, zero, 4) == 0 || (a->b[0] & 0xf0) == 0xe0)
			return false;
		return !(a->b[0] == 255 && a->b[1] == 255 && a->b[2] == 255 &&
			 a->b[3] == 255);
	}
	return memcmp(a->b, zero, 16) != 0 && a->b[0] != 0xff;
}

static bool
prefix_eq(const struct dps_prefix *a, const struct dps_prefix *b)
{
	return a->plen == b->plen && dps_addr_eq(&a->addr, &b->addr);
}

static const char *
family_name(uint8_t len)
{
	return len == 4 ? "IPv4" : "IPv6";
}

/* A multicast or all-zero MAC names no station, so neither a port nor a neighbour has one. */
static bool
mac_is_unicast(const uint8_t mac[6])
{
	static const uint8_t zero[6];

	return (mac[0] & 1) == 0 && memcmp(mac, zero, 6) != 0;
}

static bool
nic_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > DPS_CFG_NIC_NAME_MAX)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static int
find_nic(const struct dps_config *cfg, const char *name)
{
	for (unsigned i = 0; i < cfg->n_nics; i++)
		if (strcmp(cfg->nics[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* One message per way dps_parse_prefix() can refuse, each quoting what was written. */
static int
prefix_error(struct parser *ps, int rc, const char *what, const char *s,
	     const struct dps_prefix *p)
{
	char abuf[INET6_ADDRSTRLEN];
	struct dps_prefix fixed;
	bool v6;

	switch (rc) {
	case -ERANGE:
		/* p is not filled on -ERANGE; the address parsed, so ':' tells the family. */
		v6 = strchr(s, ':') != NULL;
		return fail(ps, "prefix length out of range in '%s' (0..%u for %s)", s,
			    v6 ? 128 : 32, v6 ? "IPv6" : "IPv4");
	case -EDOM:
		fixed = *p;
		clear_host_bits(&fixed);
		dps_addr_fmt(&fixed.addr, abuf, sizeof(abuf));
		return fail(ps, "host bits set in %s '%s' (did you mean %s/%u?)", what, s, abuf,
			    fixed.plen);
	default:
		return fail(ps, "bad address '%s'", s);
	}
}

static void
set_sec_label(struct parser *ps, const char *type, const char *name)
{
	if (name != NULL)
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[%s %s]", type, name);
	else
		snprintf(ps->sec_label, sizeof(ps->sec_label), "[%s]", type);
}

static bool same_port(const char *a, const char *b);

/* Checks that need the whole [nic] section. */
static int
close_section(struct parser *ps)
{
	const struct dps_cfg_nic *nic;

	if (ps->sec != SEC_NIC)
		return 0;
	nic = &ps->cfg->nics[ps->nic];
	if (nic->port[0] == '\0')
		return fail_at(ps, nic->line, "nic '%s' has no 'port =' line", nic->name);
	/* One NIC per port and VLAN (vlan 0: the port's own, untagged). */
	for (int i = 0; i < ps->nic; i++) {
		const struct dps_cfg_nic *o = &ps->cfg->nics[i];

		if (o->vlan != nic->vlan || !same_port(o->port, nic->port))
			continue;
		if (nic->vlan != 0)
			return fail_at(ps, nic->port_line,
				       "port '%s' vlan %u already used by nic '%s' (line %d)",
				       nic->port, nic->vlan, o->name, o->port_line);
		return fail_at(ps, nic->port_line, "port '%s' already used by nic '%s' (line %d)",
			       nic->port, o->name, o->port_line);
	}
	if (nic->vlan != 0 && nic->has_mac)
		return fail_at(ps, ps->nic_key_line[NK_MAC],
			       "nic '%s' is a VLAN: it has its port's MAC (no 'mac =')", nic->name);
	if (nic->mtu != 0 && nic->mtu < DPS_CFG_MTU_MIN_IPV6) {
		/* Without this the NIC would take IPv6 addresses it cannot serve. */
		for (unsigned i = 0; i < nic->n_addrs; i++)
			if (nic->addrs[i].p.addr.len == 16)
				return fail_at(ps, ps->nic_key_line[NK_MTU],
					       "mtu %u too small for nic '%s' with an IPv6 address "
					       "(line %d): IPv6 needs %u (RFC 8200 section 5)",
					       nic->mtu, nic->name, nic->addrs[i].line,
					       DPS_CFG_MTU_MIN_IPV6);
		for (unsigned i = 0; i < nic->n_ranges; i++)
			if (nic->ranges[i].addr.len == 16)
				return fail_at(ps, ps->nic_key_line[NK_MTU],
					       "mtu %u too small for nic '%s' with an IPv6 range "
					       "(line %d): IPv6 needs %u (RFC 8200 section 5)",
					       nic->mtu, nic->name, nic->range_lines[i],
					       DPS_CFG_MTU_MIN_IPV6);
	}
	return 0;
}

static int
parse_section(struct parser *ps, char *s)
{
	struct dps_cfg_nic *nic;
	char *close, *tok[3];
	unsigned n;
	int rc, dup;

	close = strchr(s, ']');
	if (close == NULL)
		return fail(ps, "missing ']' in section header '%s'", s);
	if (close[1] != '\0')
		return fail(ps, "unexpected '%s' after section header", close + 1);
	rc = close_section(ps);
	if (rc != 0)
		return rc;
	*close = '\0';
	n = split(s + 1, tok, 3);
	if (n == 0)
		return fail(ps, "empty section header '[]'");
	if (strcmp(tok[0], "nic") != 0) {
		static const struct {
			const char *name;
			enum section sec;
		} plain[] = {
			{"stack", SEC_STACK},
			{"routes", SEC_ROUTES},
			{"neighbors", SEC_NEIGHBORS},
			{"udp", SEC_UDP},
		};

		for (unsigned i = 0; i < RTE_DIM(plain); i++) {
			if (strcmp(tok[0], plain[i].name) != 0)
				continue;
			if (n > 1)
				return fail(ps, "section '[%s]' takes no name, got '%s'", tok[0],
					    tok[1]);
			ps->sec = plain[i].sec;
			set_sec_label(ps, tok[0], NULL);
			return 0;
		}
		return fail(ps, "unknown section '[%s]'", tok[0]);
	}
	if (n == 1)
		return fail(ps, "section '[nic]' needs a name: '[nic NAME]'");
	if (n > 2)
		return fail(ps, "unexpected '%s' after nic name '%s'", tok[2], tok[1]);
	if (!nic_name_ok(tok[1]))
		return fail(ps, "bad nic name '%s' (1-%d characters of A-Z a-z 0-9 _ -)", tok[1],
			    DPS_CFG_NIC_NAME_MAX);
	dup = find_nic(ps->cfg, tok[1]);
	if (dup >= 0)
		return fail(ps, "duplicate nic '%s' (first at line %d)", tok[1],
			    ps->cfg->nics[dup].line);
	if (ps->cfg->n_nics >= DPS_CFG_MAX_NICS)
		return fail(ps, "too many nics: '%s' would be number %d (max %d)", tok[1],
			    DPS_CFG_MAX_NICS + 1, DPS_CFG_MAX_NICS);
	ps->nic = (int)ps->cfg->n_nics++;
	nic = &ps->cfg->nics[ps->nic];
	snprintf(nic->name, sizeof(nic->name), "%s", tok[1]);
	nic->line = ps->line;
	nic->forwarding = true;
	nic->redirects = true;
	memset(ps->nic_key_line, 0, sizeof(ps->nic_key_line));
	ps->sec = SEC_NIC;
	set_sec_label(ps, "nic", tok[1]);
	return 0;
}

static int
set_onoff(struct parser *ps, const char *key, const char *val, bool *v)
{
	if (dps_parse_onoff(val, v) != 0)
		return fail(ps, "bad value '%s' for '%s' (want on or off)", val, key);
	return 0;
}

/* Two port strings name the same port if they are equal, or equal numbers (`1`, `01`). */
static bool
same_port(const char *a, const char *b)
{
	unsigned long x, y;

	if (is_decimal(a) && is_decimal(b))
		return parse_uint(a, ULONG_MAX, &x) == 0 && parse_uint(b, ULONG_MAX, &y) == 0 &&
		       x == y;
	return strcmp(a, b) == 0;
}

static int
nic_port(struct parser *ps, struct dps_cfg_nic *nic, char *val)
{
	char *tok[2];
	unsigned long id;
	int rc;

	/* Checked before split() cuts val, so the message quotes the whole value. */
	if (strpbrk(val, " \t") != NULL)
		return fail(ps, "bad port '%s' (one port id or device name)", val);
	split(val, tok, 2);
	if (is_decimal(tok[0])) {
		rc = parse_uint(tok[0], RTE_MAX_ETHPORTS - 1, &id);
		if (rc != 0)
			return fail(ps, "bad port number '%s' (0..%d)", tok[0],
				    RTE_MAX_ETHPORTS - 1);
	} else {
		if (strlen(tok[0]) >= sizeof(nic->port))
			return fail(ps, "port name '%s' too long (max %zu characters)", tok[0],
				    sizeof(nic->port) - 1);
		for (const char *c = tok[0]; *c != '\0'; c++)
			if (!isgraph((unsigned char)*c))
				return fail(ps, "bad port name '%s'", tok[0]);
	}
	/* Whether another NIC has the port is checked at the section's end (vlan = may follow). */
	snprintf(nic->port, sizeof(nic->port), "%s", tok[0]);
	nic->port_line = ps->line;
	return 0;
}

static int
nic_address(struct parser *ps, struct dps_cfg_nic *nic, char *val)
{
	struct dps_cfg_nic_addr a = {.peb = DPS_CFG_PEB_CAN_BE_PRIMARY, .line = ps->line};
	char *tok[3];
	unsigned n;
	int rc;

	n = split(val, tok, 3);
	if (n > 2)
		return fail(ps, "unexpected '%s' after address '%s' (want ADDR/PLEN [first|never])",
			    tok[2], tok[0]);
	rc = dps_parse_prefix(tok[0], &a.p, true);
	if (rc != 0)
		return prefix_error(ps, rc, "address", tok[0], &a.p);
	if (!addr_is_unicast(&a.p.addr))
		return fail(ps, "address '%s' is not a unicast address", tok[0]);
	if (n == 2) {
		if (strcmp(tok[1], "first") == 0)
			a.peb = DPS_CFG_PEB_FIRST;
		else if (strcmp(tok[1], "never") == 0)
			a.peb = DPS_CFG_PEB_NEVER;
		else
			return fail(ps, "bad primary behaviour '%s' (want first or never)", tok[1]);
	}
	/* Endpoints are keyed by address alone (seed rule 1): 10.0.0.1/8 and /24 collide. */
	for (unsigned i = 0; i < nic->n_addrs; i++)
		if (dps_addr_eq(&nic->addrs[i].p.addr, &a.p.addr))
			return fail(ps, "duplicate address '%s' on nic '%s' (line %d)", tok[0],
				    nic->name, nic->addrs[i].line);
	if (nic->n_addrs >= DPS_CFG_MAX_ADDRS)
		return fail(ps, "too many addresses on nic '%s': '%s' (max %d)", nic->name, tok[0],
			    DPS_CFG_MAX_ADDRS);
	if (grow((void **)&nic->addrs, nic->n_addrs, sizeof(*nic->addrs)) != 0)
		return oom(ps);
	nic->addrs[nic->n_addrs++] = a;
	return 0;
}

static int
nic_range(struct parser *ps, struct dps_cfg_nic *nic, char *val)
{
	struct dps_prefix p;
	char *tok[2];
	int rc;

	if (split(val, tok, 2) != 1)
		return fail(ps, "unexpected '%s' after range '%s'", tok[1], tok[0]);
	rc = dps_parse_prefix(tok[0], &p, false);
	if (rc != 0)
		return prefix_error(ps, rc, "range", tok[0], &p);
	/* The seed allows duplicate ranges, but in a file one is always a typo. */
	for (unsigned i = 0; i < nic->n_ranges; i++)
		if (prefix_eq(&nic->ranges[i], &p))
			return fail(ps, "duplicate range '%s' on nic '%s' (line %d)", tok[0],
				    nic->name, nic->range_lines[i]);
	if (nic->n_ranges >= DPS_CFG_MAX_RANGES)
		return fail(ps, "too many ranges on nic '%s': '%s' (max %d)", nic->name, tok[0],
			    DPS_CFG_MAX_RANGES);
	if (grow((void **)&nic->ranges, nic->n_ranges, sizeof(*nic->ranges)) != 0 ||
	    grow((void **)&nic->range_lines, nic->n_ranges, sizeof(*nic->range_lines)) != 0)
		return oom(ps);
	nic->ranges[nic->n_ranges] = p;
	nic->range_lines[nic->n_ranges++] = ps->line;
	return 0;
}

static int
parse_nic_key(struct parser *ps, const char *key, char *val)
{
	static const char *const once[NK_MAX] = {
		[NK_PORT] = "port",	    [NK_PROMISCUOUS] = "promiscuous",
		[NK_SPOOFING] = "spoofing", [NK_FORWARDING] = "forwarding",
		[NK_MTU] = "mtu",	    [NK_MAC] = "mac",
		[NK_REDIRECTS] = "redirects", [NK_SOURCE_ROUTE] = "source_route",
		[NK_RA] = "ra",		    [NK_RA_INTERVAL] = "ra_interval",
		[NK_VLAN] = "vlan",
	};
	struct dps_cfg_nic *nic = &ps->cfg->nics[ps->nic];
	unsigned long mtu;
	int k;

	if (strcmp(key, "address") == 0)
		return nic_address(ps, nic, val);
	if (strcmp(key, "range") == 0)
		return nic_range(ps, nic, val);
	if (strcmp(key, "ra_prefix") == 0) {
		struct dps_prefix p;
		int rc = dps_parse_prefix(val, &p, false);

		if (rc != 0)
			return prefix_error(ps, rc, "ra_prefix", val, &p);
		if (p.addr.len != 16)
			return fail(ps, "ra_prefix '%s' is not an IPv6 prefix", val);
		if (nic->n_ra_prefix >= DPS_CFG_MAX_RA_PREFIXES)
			return fail(ps, "too many ra_prefix on nic '%s': '%s' (max %d)", nic->name,
				    val, DPS_CFG_MAX_RA_PREFIXES);
		nic->ra_prefix[nic->n_ra_prefix++] = p;
		return 0;
	}
	for (k = 0; k < NK_MAX; k++)
		if (strcmp(key, once[k]) == 0)
			break;
	if (k == NK_MAX)
		return fail(ps, "unknown key '%s' in %s", key, ps->sec_label);
	if (ps->nic_key_line[k] != 0)
		return fail(ps, "duplicate key '%s' in %s (first at line %d)", key, ps->sec_label,
			    ps->nic_key_line[k]);
	ps->nic_key_line[k] = ps->line;
	switch ((enum nic_key)k) {
	case NK_PORT:
		return nic_port(ps, nic, val);
	case NK_PROMISCUOUS:
		return set_onoff(ps, key, val, &nic->promiscuous);
	case NK_SPOOFING:
		return set_onoff(ps, key, val, &nic->spoofing);
	case NK_FORWARDING:
		return set_onoff(ps, key, val, &nic->forwarding);
	case NK_REDIRECTS:
		return set_onoff(ps, key, val, &nic->redirects);
	case NK_SOURCE_ROUTE:
		return set_onoff(ps, key, val, &nic->source_route);
	case NK_MTU:
		switch (parse_uint(val, DPS_CFG_MTU_MAX, &mtu)) {
		case 0:
			if (mtu >= DPS_CFG_MTU_MIN)
				break;
			/* fall through */
		case -ERANGE:
			return fail(ps, "mtu '%s' out of range (%d..%d)", val, DPS_CFG_MTU_MIN,
				    DPS_CFG_MTU_MAX);
		default:
			return fail(ps, "bad mtu '%s' (a number %d..%d)", val, DPS_CFG_MTU_MIN,
				    DPS_CFG_MTU_MAX);
		}
		nic->mtu = (uint16_t)mtu;
		nic->mtu_line = ps->line;
		return 0;
	case NK_MAC:
		if (dps_parse_mac(val, nic->mac) != 0)
			return fail(ps, "bad MAC '%s' (want xx:xx:xx:xx:xx:xx)", val);
		if (!mac_is_unicast(nic->mac))
			return fail(ps, "bad MAC '%s': a port needs a unicast, non-zero address",
				    val);
		nic->has_mac = true;
		return 0;
	case NK_RA:
		return set_onoff(ps, key, val, &nic->ra);
	case NK_RA_INTERVAL:
		/* RFC 4861 6.2.1: MaxRtrAdvInterval 4 .. 1800 seconds. */
		if (parse_uint(val, 1800, &mtu) != 0 || mtu < 4)
			return fail(ps, "ra_interval '%s' out of range (a number 4..1800)", val);
		nic->ra_interval = (uint32_t)mtu;
		return 0;
	case NK_VLAN:
		/* IEEE 802.1Q 9.6: VID 0 is priority tagging (the port's own), 4095 reserved. */
		if (parse_uint(val, DPS_CFG_VLAN_MAX, &mtu) != 0 || mtu < 1)
			return fail(ps, "vlan '%s' out of range (a VLAN id 1..%d)", val,
				    DPS_CFG_VLAN_MAX);
		nic->vlan = (uint16_t)mtu;
		return 0;
	case NK_MAX:
		break;
	}
	return -EINVAL;
}

static int
add_pending(struct parser *ps, bool is_route, unsigned idx, const char *name)
{
	struct pending_ref *r;

	if (grow((void **)&ps->pend, ps->n_pend, sizeof(*ps->pend)) != 0)
		return oom(ps);
	r = &ps->pend[ps->n_pend++];
	r->is_route = is_route;
	r->idx = idx;
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->line = ps->line;
	return 0;
}

static int
parse_route(struct parser *ps, const char *key, char *val)
{
	struct dps_cfg_route r = {.nic = -1, .line = ps->line};
	struct dps_config *cfg = ps->cfg;
	const char *dev = NULL, *gw_text = NULL;
	char *tok[5];
	unsigned n;
	int rc;

	if (strcmp(key, "default") == 0) {
		r.p.addr.len = 4;
	} else if (strcmp(key, "default6") == 0) {
		r.p.addr.len = 16;
	} else {
		rc = dps_parse_prefix(key, &r.p, false);
		if (rc != 0)
			return prefix_error(ps, rc, "route", key, &r.p);
	}
	n = split(val, tok, 5);
	if (n > 4)
		return fail(ps, "unexpected '%s' in route '%s' (want via GW and/or dev NAME)",
			    tok[4], key);
	for (unsigned i = 0; i < n; i += 2) {
		bool is_via = strcmp(tok[i], "via") == 0;

		if (!is_via && strcmp(tok[i], "dev") != 0)
			return fail(ps,
				    "unexpected '%s' in route '%s' (want via GW and/or dev NAME)",
				    tok[i], key);
		if (i + 1 >= n)
			return fail(ps, "'%s' needs %s in route '%s'", tok[i],
				    is_via ? "a gateway address" : "a nic name", key);
		if (is_via) {
			if (gw_text != NULL)
				return fail(ps, "two gateways in route '%s'", key);
			gw_text = tok[i + 1];
			if (dps_parse_addr(gw_text, &r.gw) != 0)
				return fail(ps, "bad gateway '%s'", gw_text);
			if (r.gw.len != r.p.addr.len)
				return fail(ps, "gateway '%s' is %s but route '%s' is %s", gw_text,
					    family_name(r.gw.len), key,
					    family_name(r.p.addr.len));
			if (!addr_is_unicast(&r.gw))
				return fail(ps, "gateway '%s' is not a unicast address", gw_text);
			r.has_gw = true;
		} else {
			if (dev != NULL)
				return fail(ps, "two nics in route '%s'", key);
			dev = tok[i + 1];
		}
	}
	if (gw_text == NULL && dev == NULL)
		return fail(ps, "route '%s' needs via GW or dev NAME", key);
	/* A link-local address means nothing without its link (RFC 4007 section 6). */
	if (r.has_gw && r.gw.len == 16 && r.gw.b[0] == 0xfe &&
	    (r.gw.b[1] & 0xc0) == 0x80 && dev == NULL)
		return fail(ps, "link-local gateway '%s' needs dev NAME", gw_text);
	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (prefix_eq(&cfg->routes[i].p, &r.p))
			return fail(ps, "duplicate route '%s' (line %d)", key, cfg->routes[i].line);
	if (cfg->n_routes >= DPS_CFG_MAX_ROUTES)
		return fail(ps, "too many routes: '%s' (max %d)", key, DPS_CFG_MAX_ROUTES);
	if (dev != NULL) {
		r.nic = find_nic(cfg, dev);
		/* Longer than any NIC name: cannot be defined further down either. */
		if (r.nic < 0 && strlen(dev) > DPS_CFG_NIC_NAME_MAX)
			return fail(ps, "route to unknown nic '%s'", dev);
		if (r.nic < 0 && add_pending(ps, true, cfg->n_routes, dev) != 0)
			return -ENOMEM;
	}
	if (grow((void **)&cfg->routes, cfg->n_routes, sizeof(*cfg->routes)) != 0)
		return oom(ps);
	cfg->routes[cfg->n_routes++] = r;
	return 0;
}

static int
parse_neighbor(struct parser *ps, const char *key, char *val)
{
	struct dps_cfg_neigh nb = {.nic = -1, .line = ps->line};
	struct dps_config *cfg = ps->cfg;
	char *tok[3];

	if (dps_parse_addr(key, &nb.addr) != 0)
		return fail(ps, "bad address '%s'", key);
	if (!addr_is_unicast(&nb.addr))
		return fail(ps, "neighbor '%s' is not a unicast address", key);
	if (split(val, tok, 3) != 2)
		return fail(ps, "neighbor '%s' needs 'MAC NIC'", key);
	if (dps_parse_mac(tok[0], nb.mac) != 0)
		return fail(ps, "bad MAC '%s' (want xx:xx:xx:xx:xx:xx)", tok[0]);
	if (!mac_is_unicast(nb.mac))
		return fail(ps, "bad MAC '%s': a neighbor needs a unicast, non-zero address",
			    tok[0]);
	if (strlen(tok[1]) > DPS_CFG_NIC_NAME_MAX)
		return fail(ps, "neighbor on unknown nic '%s'", tok[1]);
	/* The same address may sit on two links (fe80::1 is on every one), not twice on one. */
	for (unsigned i = 0; i < cfg->n_neighs; i++)
		if (dps_addr_eq(&cfg->neighs[i].addr, &nb.addr) &&
		    strcmp(ps->neigh_nic[i], tok[1]) == 0)
			return fail(ps, "duplicate neighbor '%s' on nic '%s' (line %d)", key,
				    tok[1], cfg->neighs[i].line);
	if (cfg->n_neighs >= DPS_CFG_MAX_NEIGHS)
		return fail(ps, "too many neighbors: '%s' (max %d)", key, DPS_CFG_MAX_NEIGHS);
	nb.nic = find_nic(cfg, tok[1]);
	if (nb.nic < 0 && add_pending(ps, false, cfg->n_neighs, tok[1]) != 0)
		return -ENOMEM;
	if (grow((void **)&cfg->neighs, cfg->n_neighs, sizeof(*cfg->neighs)) != 0 ||
	    grow((void **)&ps->neigh_nic, cfg->n_neighs, sizeof(*ps->neigh_nic)) != 0)
		return oom(ps);
	snprintf(ps->neigh_nic[cfg->n_neighs], sizeof(ps->neigh_nic[0]), "%s", tok[1]);
	cfg->neighs[cfg->n_neighs++] = nb;
	return 0;
}

static int
parse_udp(struct parser *ps, const char *key, char *val)
{
	struct dps_config *cfg = ps->cfg;
	char *tok[CFG_MAX_TOKENS];
	unsigned n;

	if (strcmp(key, "echo") != 0)
		return fail(ps, "unknown key '%s' in %s", key, ps->sec_label);
	n = split(val, tok, CFG_MAX_TOKENS);
	for (unsigned i = 0; i < n; i++) {
		unsigned long port;

		if (i >= CFG_MAX_TOKENS || cfg->n_udp_echo >= DPS_CFG_MAX_UDP_ECHO)
			return fail(ps, "too many UDP echo ports (max %d)", DPS_CFG_MAX_UDP_ECHO);
		if (parse_uint(tok[i], 65535, &port) != 0 || port == 0)
			return fail(ps, "bad port number '%s' (1..65535)", tok[i]);
		for (unsigned j = 0; j < cfg->n_udp_echo; j++)
			if (cfg->udp_echo[j] == port)
				return fail(ps, "duplicate UDP echo port %lu (line %d)", port,
					    ps->udp_lines[j]);
		ps->udp_lines[cfg->n_udp_echo] = ps->line;
		cfg->udp_echo[cfg->n_udp_echo++] = (uint16_t)port;
	}
	return 0;
}

/* `[stack]` keys that take a number: the route table sizes (docs/configuration.md, Memory). */
static const struct stack_uint_key {
	const char *name;
	unsigned long min, max;
	size_t off;
} stack_uint_keys[] = {
	{"max_routes4", DPS_CFG_ROUTES_MIN, DPS_CFG_ROUTES4_MAX,
	 offsetof(struct dps_config, max_routes4)},
	{"max_routes6", DPS_CFG_ROUTES_MIN, DPS_CFG_ROUTES6_MAX,
	 offsetof(struct dps_config, max_routes6)},
#define NEIGH_KEY(k, lo, hi) {"neigh_" #k, lo, hi, offsetof(struct dps_config, neigh.k)}
	NEIGH_KEY(base_reachable_ms, 1, 3600000),
	NEIGH_KEY(retrans_ms, 1, 3600000),
	NEIGH_KEY(delay_first_probe_ms, 1, 3600000),
	NEIGH_KEY(mcast_probes, 1, 255),
	NEIGH_KEY(ucast_probes, 1, 255),
	NEIGH_KEY(gc_stale_ms, 1, 86400000),
	NEIGH_KEY(failed_hold_ms, 1, 3600000),
	NEIGH_KEY(gc_thresh1, 1, 1u << 24),
	NEIGH_KEY(gc_thresh2, 1, 1u << 24),
	NEIGH_KEY(gc_thresh3, 1, 1u << 24),
	NEIGH_KEY(max_incomplete, 1, 1u << 24),
	NEIGH_KEY(incomplete_rate, 1, 10000000),
	NEIGH_KEY(max_parked, 1, 1u << 24),
#undef NEIGH_KEY
	/* Reassembly (docs/protocols.md, "Fragments"): 0 datagrams turns it off. */
	{"reassembly_datagrams", 0, DPS_CFG_REASM_DATAGRAMS_MAX, offsetof(struct dps_config, reassembly_datagrams)},
	{"reassembly_timeout_ms", 100, 600000, offsetof(struct dps_config, reassembly_timeout_ms)},
	/* Duplicate Address Detection (RFC 4862 5.4): 0 transmits turns it off. */
	{"dad_transmits", 0, 255, offsetof(struct dps_config, dad_transmits)},
	{"dad_retrans_ms", 10, 60000, offsetof(struct dps_config, dad_retrans_ms)},
};

static int
parse_stack(struct parser *ps, const char *key, char *val)
{
	unsigned long v;
	unsigned int k;

	for (k = 0; k < RTE_DIM(stack_uint_keys); k++)
		if (strcmp(key, stack_uint_keys[k].name) == 0)
			break;
	if (k == RTE_DIM(stack_uint_keys) && strcmp(key, "forwarding") != 0)
		return fail(ps, "unknown key '%s' in %s", key, ps->sec_label);
	if (ps->stack_key_line[k] != 0)
		return fail(ps, "duplicate key '%s' in %s (first at line %d)", key, ps->sec_label,
			    ps->stack_key_line[k]);
	ps->stack_key_line[k] = ps->line;
	if (k == RTE_DIM(stack_uint_keys))
		return set_onoff(ps, key, val, &ps->cfg->forwarding);
	if (parse_uint(val, stack_uint_keys[k].max, &v) != 0 || v < stack_uint_keys[k].min)
		return fail(ps, "%s '%s' out of range (a number %lu..%lu)", key, val,
			    stack_uint_keys[k].min, stack_uint_keys[k].max);
	*(uint32_t *)((char *)ps->cfg + stack_uint_keys[k].off) = (uint32_t)v;
	return 0;
}

/*
 * Comments: `#` or `;` first on a line, or after a blank anywhere (`mtu = 1500  # jumbo off`).
 * Neither character occurs in any valid value, so there is no quoting to handle.
 */
static char *
strip_comment(char *s)
{
	s = trim(s);
	for (char *c = s; *c != '\0'; c++) {
		if ((*c == '#' || *c == ';') && (c == s || isspace((unsigned char)c[-1]))) {
			*c = '\0';
			break;
		}
	}
	return trim(s);
}

static int
parse_line(struct parser *ps, char *line)
{
	char *s = strip_comment(line), *eq, *key, *val;

	if (*s == '\0')
		return 0;
	if (*s == '[')
		return parse_section(ps, s);
	eq = strchr(s, '=');
	if (eq == NULL)
		return fail(ps, "missing '=' in '%s'", s);
	*eq = '\0';
	key = trim(s);
	val = trim(eq + 1);
	if (*key == '\0')
		return fail(ps, "missing key before '= %s'", val);
	if (ps->sec == SEC_NONE)
		return fail(ps, "key '%s' before any section", key);
	if (*val == '\0')
		return fail(ps, "missing value for '%s'", key);
	switch (ps->sec) {
	case SEC_STACK:
		return parse_stack(ps, key, val);
	case SEC_NIC:
		return parse_nic_key(ps, key, val);
	case SEC_ROUTES:
		return parse_route(ps, key, val);
	case SEC_NEIGHBORS:
		return parse_neighbor(ps, key, val);
	case SEC_UDP:
		return parse_udp(ps, key, val);
	case SEC_NONE:
		break;
	}
	return -EINVAL;
}

/*
 * VLAN NICs after the ports' own NICs, each group in file order (struct dps_config.n_vlans);
 * the NIC indices of routes and neighbours follow the move.
 */
static int
vlans_last(struct dps_config *cfg)
{
	struct dps_cfg_nic *tmp;
	int map[DPS_CFG_MAX_NICS];
	unsigned k = 0;

	cfg->n_vlans = 0;
	for (unsigned i = 0; i < cfg->n_nics; i++)
		cfg->n_vlans += cfg->nics[i].vlan != 0;
	for (unsigned i = 0; i < cfg->n_nics; i++)
		cfg->nics[i].parent = -1;
	if (cfg->n_vlans == 0)
		return 0;
	tmp = malloc(sizeof(cfg->nics));
	if (tmp == NULL)
		return -ENOMEM;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < cfg->n_nics; i++)
			if ((cfg->nics[i].vlan != 0) == (pass == 1)) {
				map[i] = (int)k;
				tmp[k++] = cfg->nics[i];
			}
	memcpy(cfg->nics, tmp, cfg->n_nics * sizeof(*tmp));
	free(tmp);
	for (unsigned i = 0; i < cfg->n_routes; i++)
		if (cfg->routes[i].nic >= 0)
			cfg->routes[i].nic = map[cfg->routes[i].nic];
	for (unsigned i = 0; i < cfg->n_neighs; i++)
		cfg->neighs[i].nic = map[cfg->neighs[i].nic];
	return 0;
}

/* The checks that need the whole file, in file order. */
static int
finish(struct parser *ps)
{
	struct dps_config *cfg = ps->cfg;
	int rc;

	rc = close_section(ps);
	if (rc != 0)
		return rc;
	for (unsigned i = 0; i < ps->n_pend; i++) {
		const struct pending_ref *r = &ps->pend[i];
		int nic = find_nic(cfg, r->name);

		if (nic < 0)
			return fail_at(ps, r->line, "%s unknown nic '%s'",
				       r->is_route ? "route to" : "neighbor on", r->name);
		if (r->is_route)
			cfg->routes[r->idx].nic = nic;
		else
			cfg->neighs[r->idx].nic = nic;
	}
	if (cfg->n_nics == 0)
		return fail_at(ps, ps->line > 0 ? ps->line : 1,
			       "no '[nic NAME]' section: dpstack needs at least one port");
	return vlans_last(cfg);
}

static int
parse_text(const char *name, const char *text, size_t len, struct dps_config *cfg, char *err,
	   size_t errlen)
{
	struct parser ps = {.cfg = cfg, .name = name, .err = err, .errlen = errlen};
	char *buf, *line, *end;
	int rc = 0;

	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->path, sizeof(cfg->path), "%s", name);
	cfg->max_routes4 = DPS_CFG_ROUTES4_DEFAULT;
	cfg->max_routes6 = DPS_CFG_ROUTES6_DEFAULT;
	cfg->reassembly_datagrams = DPS_CFG_REASM_DATAGRAMS;
	cfg->reassembly_timeout_ms = DPS_CFG_REASM_TIMEOUT_MS;
	cfg->dad_transmits = 1;
	cfg->dad_retrans_ms = 1000;
	buf = malloc(len + 1);
	if (buf == NULL) {
		dps_errf(err, errlen, "%s: %s", name, strerror(ENOMEM));
		return -ENOMEM;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	end = buf + len;
	for (line = buf; line < end && rc == 0;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t n = nl != NULL ? (size_t)(nl - line) : (size_t)(end - line);

		line[n] = '\0';
		ps.line++;
		if (strlen(line) != n)
			rc = fail(&ps, "NUL byte in line (is this a text file?)");
		else
			rc = parse_line(&ps, line); /* trim() also drops a DOS '\r' */
		line += n + 1;
	}
	if (rc == 0)
		rc = finish(&ps);
	free(ps.pend);
	free(ps.neigh_nic);
	free(buf);
	if (rc != 0)
		dps_config_free(cfg);
	return rc;
}

int
dps_config_parse_string(const char *name, const char *text, struct dps_config *cfg, char *err,
			size_t errlen)
{
	if (name == NULL || text == NULL || cfg == NULL)
		return -EINVAL;
	return parse_text(name, text, strlen(text), cfg, err, errlen);
}

int
dps_config_load(const char *path, struct dps_config *cfg, char *err, size_t errlen)
{
	size_t len = 0, cap = 0;
	char *text = NULL;
	int fd, rc;

	if (path == NULL || cfg == NULL)
		return -EINVAL;
	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		goto fail;
	}
	for (;;) {
		ssize_t n;

		if (len == cap) {
			char *p;

			if (cap >= CFG_MAX_FILE_SIZE) {
				rc = -EFBIG;
				goto fail_close;
			}
			cap = cap == 0 ? 16384 : cap * 2;
			p = realloc(text, cap);
			if (p == NULL) {
				rc = -ENOMEM;
				goto fail_close;
			}
			text = p;
		}
		n = read(fd, text + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			goto fail_close;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = parse_text(path, text != NULL ? text : "", len, cfg, err, errlen);
	free(text);
	return rc;

fail_close:
	close(fd);
	free(text);
fail:
	dps_errf(err, errlen, "%s: %s", path, strerror(-rc));
	return rc;
}

void
dps_config_free(struct dps_config *cfg)
{
	if (cfg == NULL)
		return;
	for (unsigned i = 0; i < cfg->n_nics; i++) {
		free(cfg->nics[i].addrs);
		free(cfg->nics[i].ranges);
		free(cfg->nics[i].range_lines);
	}
	free(cfg->routes);
	free(cfg->neighs);
	memset(cfg, 0, sizeof(*cfg));
}

int
dps_config_resolve_ports(struct dps_config *cfg, char *err, size_t errlen)
{
	for (unsigned i = 0; i < cfg->n_nics; i++) {
		struct dps_cfg_nic *nic = &cfg->nics[i];
		unsigned long id;
		uint16_t pid;

		if (is_decimal(nic->port)) {
			if (parse_uint(nic->port, RTE_MAX_ETHPORTS - 1, &id) != 0 ||
			    !rte_eth_dev_is_valid_port((uint16_t)id)) {
				dps_errf(err, errlen, "%s:%d: no port with id %s (%u available)",
					 cfg->path, nic->port_line, nic->port,
					 (unsigned)rte_eth_dev_count_avail());
				return -ENODEV;
			}
			pid = (uint16_t)id;
		} else if (rte_eth_dev_get_port_by_name(nic->port, &pid) != 0) {
			dps_errf(err, errlen,
				 "%s:%d: no port named '%s' (check the EAL --vdev/-a "
				 "arguments)",
				 cfg->path, nic->port_line, nic->port);
			return -ENODEV;
		}
		for (unsigned j = 0; j < i; j++) {
			if (cfg->nics[j].port_id != pid || cfg->nics[j].vlan != nic->vlan)
				continue;
			dps_errf(err, errlen,
				 "%s:%d: port '%s' is port %u, already used by nic "
				 "'%s' (line %d)",
				 cfg->path, nic->port_line, nic->port, (unsigned)pid,
				 cfg->nics[j].name, cfg->nics[j].port_line);
			return -EEXIST;
		}
		nic->port_id = pid;
		nic->parent = -1;
		/* A VLAN's tags arrive on its port's own NIC, which must exist (ports come first). */
		for (unsigned j = 0; j < cfg->n_nics - cfg->n_vlans && nic->vlan != 0; j++)
			if (cfg->nics[j].port_id == pid)
				nic->parent = (int)j;
		if (nic->vlan != 0 && nic->parent < 0) {
			dps_errf(err, errlen,
				 "%s:%d: nic '%s' is vlan %u of port '%s', which has no nic of its "
				 "own (add one without 'vlan =': it takes the untagged frames)",
				 cfg->path, nic->port_line, nic->name, nic->vlan, nic->port);
			return -ENOENT;
		}
		/*
		 * A VLAN carries at most its port's MTU (unset: the 1500 that ethdev configures);
		 * the tag rides outside it (docs/configuration.md, "VLANs"). As set mtu refuses.
		 */
		if (nic->vlan != 0 && nic->parent >= 0) {
			const struct dps_cfg_nic *pn = &cfg->nics[nic->parent];
			unsigned pmtu = pn->mtu != 0 ? pn->mtu : RTE_ETHER_MTU;

			if (nic->mtu > pmtu) {
				dps_errf(err, errlen,
					 "%s:%d: mtu %u too big for nic '%s', vlan %u of nic '%s' "
					 "with mtu %u%s",
					 cfg->path, nic->mtu_line, nic->mtu, nic->name, nic->vlan,
					 pn->name, pmtu, pn->mtu != 0 ? "" : " (the default)");
				return -EINVAL;
			}
		}
	}
	return 0;
}
