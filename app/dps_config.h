/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * dpstack's configuration file: parser, validation and port resolution.
 *
 * The file is INI-like (see docs/configuration.md): `[stack]`, one `[nic NAME]` per port,
 * `[routes]`, `[neighbors]` and `[udp]`. The parser is line based rather than rte_cfgfile
 * because IPv6 route keys contain ':' and because every error must name its line: each
 * parsed item keeps the line it came from, so later stages (port start, route insertion) can
 * still report `FILE:LINE: message`.
 *
 * Nothing here prints, exits or keeps global state: errors go to a caller-supplied buffer as
 * exactly one line `FILE:LINE: message naming the culprit` (no trailing newline).
 *
 * Thread-safety: every function works only on the objects passed to it and may be called from
 * any thread; a struct dps_config must not be used by two threads at once while it is written.
 * dps_config_resolve_ports() calls ethdev and so needs rte_eal_init() to have succeeded.
 */
#ifndef DPS_CONFIG_H
#define DPS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "dps_nic.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most `[nic NAME]` sections in one file. */
#define DPS_CFG_MAX_NICS 32
/** Most `address =` lines per NIC. */
#define DPS_CFG_MAX_ADDRS 256
/** Most `range =` lines per NIC. */
#define DPS_CFG_MAX_RANGES 64
/** Most entries in `[routes]` (more belong in the control socket, not a file). */
#define DPS_CFG_MAX_ROUTES 4096
/** Most entries in `[neighbors]`. */
#define DPS_CFG_MAX_NEIGHS 1024
/** Most UDP echo ports over all `echo =` lines. */
#define DPS_CFG_MAX_UDP_ECHO 64
/** Most `ra_prefix =` lines per NIC. */
#define DPS_CFG_MAX_RA_PREFIXES 8
/** Longest NIC name, without the terminating NUL. */
#define DPS_CFG_NIC_NAME_MAX 15
/** Smallest and largest accepted `mtu =` (68: RFC 791's minimum for IPv4). */
/** Highest `vlan =` (IEEE 802.1Q: 0 is priority tagging, 4095 reserved). */
#define DPS_CFG_VLAN_MAX 4094
#define DPS_CFG_MTU_MIN 68
#define DPS_CFG_MTU_MAX 9000
/** IPv6 needs every link to carry 1280-byte packets (RFC 8200 section 5). */
#define DPS_CFG_MTU_MIN_IPV6 1280

/**
 * `[stack] max_routes4 =` / `max_routes6 =`: route table capacities. The defaults keep one
 * dpstack with two ports within a 256 MB --no-huge run (docs/configuration.md, Memory): each
 * family is two FIB copies whose RIBs reserve ~400 B per route of capacity.
 */
#define DPS_CFG_ROUTES_MIN 16
#define DPS_CFG_ROUTES4_MAX (1u << 24)
#define DPS_CFG_ROUTES6_MAX (1u << 24)
#define DPS_CFG_ROUTES4_DEFAULT 16384
#define DPS_CFG_ROUTES6_DEFAULT 2048

/**
 * `[stack] reassembly_datagrams =` / `reassembly_timeout_ms =`: lib/proto's reassembly table
 * per worker (struct dps_reasm_conf; the same defaults and bound as DPS_REASM_*).
 */
#define DPS_CFG_REASM_DATAGRAMS 64
#define DPS_CFG_REASM_DATAGRAMS_MAX 65536
#define DPS_CFG_REASM_TIMEOUT_MS 60000

/*
 * Addresses are lib/nic's struct dps_addr (len 4 or 16, network byte order, unused bytes zero)
 * and struct dps_prefix: the app has one address type, from the config file to the stack.
 */

/** Primary endpoint behaviour of an address (the seed's PrimaryEndpointBehavior). */
enum dps_cfg_peb {
	DPS_CFG_PEB_CAN_BE_PRIMARY, /**< default: appended to the primary list */
	DPS_CFG_PEB_FIRST,	    /**< `first`: pushed to the front of the primary list */
	DPS_CFG_PEB_NEVER,	    /**< `never`: never chosen as a source address */
};

/** One `address =` line of a NIC; the prefix keeps its host bits (10.0.0.1/24). */
struct dps_cfg_nic_addr {
	struct dps_prefix p;
	enum dps_cfg_peb peb;
	int line;
};

/** One `[nic NAME]` section. */
struct dps_cfg_nic {
	char name[16];	  /**< 1-15 characters of [A-Za-z0-9_-] */
	char port[64];	  /**< `port =` as written: a decimal port id or an ethdev name */
	int port_line;	  /**< line of `port =` */
	uint16_t port_id; /**< filled by dps_config_resolve_ports() */
	int line;	  /**< line of the `[nic NAME]` header */
	struct dps_cfg_nic_addr *addrs;
	unsigned n_addrs;
	struct dps_prefix *ranges; /**< no host bits set */
	int *range_lines;	       /**< line of each ranges[i] */
	unsigned n_ranges;
	bool promiscuous; /**< default off */
	bool spoofing;	  /**< default off */
	bool forwarding;  /**< default on: may this NIC take part when [stack] forwards */
	bool redirects;   /**< default on: ICMP redirects for packets sent back out of it */
	bool source_route; /**< default off: LSRR/SSRR of packets arriving on it followed */
	uint16_t mtu;	  /**< 0 = leave the PMD's default */
	int mtu_line;	  /**< line of `mtu =`, 0 without one */
	bool has_mac;	  /**< mac[] overrides the port's own address */
	uint8_t mac[6];
	bool ra;                 /**< `ra = on`: send Router Advertisements (RFC 4861 6) */
	uint32_t ra_interval;    /**< `ra_interval =` MaxRtrAdvInterval, seconds; 0: 600 */
	struct dps_prefix ra_prefix[DPS_CFG_MAX_RA_PREFIXES]; /**< `ra_prefix =` lines */
	unsigned n_ra_prefix;
	uint16_t vlan;    /**< `vlan =`: 802.1Q VID 1..4094 of port's traffic; 0: the port's own */
	int parent;       /**< a VLAN's parent (the port's own NIC), index in nics[]; else -1 */
};

/** One `[routes]` entry; at least one of has_gw and nic >= 0 holds. */
struct dps_cfg_route {
	struct dps_prefix p; /**< no host bits set; `default` is 0.0.0.0/0, `default6` ::/0 */
	bool has_gw;
	struct dps_addr gw; /**< same family as p */
	int nic;		/**< index in dps_config.nics[] or -1 */
	int line;
};

/** One `[neighbors]` entry: a static link address. */
struct dps_cfg_neigh {
	struct dps_addr addr;
	uint8_t mac[6];
	int nic; /**< index in dps_config.nics[] */
	int line;
};

/**
 * `[stack] neigh_*` keys: the neighbour table's timers and bounds (struct dps_neigh_params,
 * docs/forwarding.md "Neighbours"). 0: not set, the library's default stays.
 */
struct dps_cfg_neigh_params {
	uint32_t base_reachable_ms, retrans_ms, delay_first_probe_ms, mcast_probes, ucast_probes;
	uint32_t gc_stale_ms, failed_hold_ms, gc_thresh1, gc_thresh2, gc_thresh3;
	uint32_t max_incomplete, incomplete_rate, max_parked;
};

/** A whole parsed file. Release with dps_config_free(). */
struct dps_config {
	char path[256];	 /**< file name used in messages (truncated if longer) */
	bool forwarding; /**< [stack] forwarding, default off */
	uint32_t max_routes4; /**< [stack] max_routes4, default DPS_CFG_ROUTES4_DEFAULT */
	uint32_t max_routes6; /**< [stack] max_routes6, default DPS_CFG_ROUTES6_DEFAULT */
	struct dps_cfg_neigh_params neigh; /**< [stack] neigh_* keys */
	uint32_t reassembly_datagrams;  /**< [stack] per worker, default 64; 0: off */
	uint32_t reassembly_timeout_ms; /**< [stack] default 60000 (RFC 8200 4.5) */
	uint32_t dad_transmits;  /**< [stack] RFC 4862 DupAddrDetectTransmits, default 1; 0: off */
	uint32_t dad_retrans_ms; /**< [stack] RetransTimer between DAD probes, default 1000 */
	struct dps_cfg_nic nics[DPS_CFG_MAX_NICS];
	unsigned n_nics;
	/**
	 * Of them VLAN NICs (`vlan =`): always the last n_vlans of nics[], in file order, the
	 * ports' own NICs first in file order (the parser moves them; routes and neighbours
	 * follow), so that nics[i] for i < n_nics - n_vlans is port i of the application.
	 */
	unsigned n_vlans;
	struct dps_cfg_route *routes;
	unsigned n_routes;
	struct dps_cfg_neigh *neighs;
	unsigned n_neighs;
	uint16_t udp_echo[DPS_CFG_MAX_UDP_ECHO];
	unsigned n_udp_echo;
};

/**
 * Read and validate a configuration file.
 *
 * @param path   file to read; also the FILE part of messages.
 * @param cfg    filled on success; on failure left empty (dps_config_free() is still safe).
 * @param err    receives one line: `FILE:LINE: message` for content errors,
 *               `FILE: strerror` when the file cannot be read. May be NULL.
 * @param errlen size of err.
 * @return 0; -EINVAL for content errors; -ENOMEM; -EFBIG for a file over 64 MiB; or the
 *         negative errno of open/read (-ENOENT, -EACCES, -EISDIR, ...).
 */
int dps_config_load(const char *path, struct dps_config *cfg, char *err, size_t errlen);

/**
 * Parse and validate configuration text held in memory (tests, generated configs).
 *
 * @param name used as FILE in messages and copied to cfg->path.
 * @param text NUL-terminated file contents.
 * Other parameters and return values as dps_config_load().
 */
int dps_config_parse_string(const char *name, const char *text, struct dps_config *cfg, char *err,
			    size_t errlen);

/** Free what a successful load or parse allocated and empty cfg. Safe to call twice. */
void dps_config_free(struct dps_config *cfg);

/**
 * Map every NIC's `port =` to an ethdev port id, after rte_eal_init().
 *
 * A decimal string must name a valid port (rte_eth_dev_is_valid_port()); anything else is
 * looked up with rte_eth_dev_get_port_by_name(). Refuses unknown ports and two NICs on one
 * port id (say `0` and `net_null0`), with `FILE:LINE:` of the offending `port =` line.
 *
 * @return 0 with every nics[i].port_id set; -ENODEV for an unknown port; -EEXIST for a port
 *         used twice.
 */
int dps_config_resolve_ports(struct dps_config *cfg, char *err, size_t errlen);

/**
 * Write a printf-style message into a caller's error buffer: the one way the app's
 * `char *err, size_t errlen` out-parameters are filled, so that every one of them may be NULL.
 *
 * @param err    receives the message, truncated to errlen - 1 characters; may be NULL.
 * @param errlen size of err; 0 writes nothing.
 */
void dps_errf(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*
 * Parse helpers, shared with the control socket so that dpstack-ctl commands accept exactly
 * the config file's syntax. They take one token without surrounding blanks.
 */

/**
 * Parse an IPv4 (dotted quad) or IPv6 (RFC 4291 section 2.2 text) address with inet_pton().
 * @return 0 or -EINVAL.
 */
int dps_parse_addr(const char *s, struct dps_addr *a);

/**
 * Parse `ADDR/PLEN`; a bare address means /32 or /128.
 * @param allow_host_bits true for interface addresses (10.0.0.1/24), false for subnets.
 * @return 0; -EINVAL for bad syntax or address; -ERANGE for a prefix length beyond 32/128;
 *         -EDOM for host bits set when allow_host_bits is false (p is still filled).
 */
int dps_parse_prefix(const char *s, struct dps_prefix *p, bool allow_host_bits);

/**
 * Parse `xx:xx:xx:xx:xx:xx` (two hex digits per byte). Syntax only: whether a multicast or
 * zero address is acceptable is the caller's decision.
 * @return 0 or -EINVAL.
 */
int dps_parse_mac(const char *s, uint8_t mac[6]);

/**
 * Write mac as dps_parse_mac() reads it: `xx:xx:xx:xx:xx:xx`, lower-case hex. Not
 * rte_ether_format_addr(), which writes upper case: the control socket and telemetry have
 * always printed lower case, as `ip link` does, and scripts compare those strings.
 * @param len at least 18 for the whole address; less truncates.
 * @return buf.
 */
char *dps_mac_fmt(const uint8_t mac[6], char *buf, size_t len);

/**
 * Parse `on` or `off` (any letter case).
 * @return 0 or -EINVAL.
 */
int dps_parse_onoff(const char *s, bool *v);

#ifdef __cplusplus
}
#endif

#endif /* DPS_CONFIG_H */
