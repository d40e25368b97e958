/* SPDX-License-Identifier: Apache-2.0 */
/*
 * From a parsed configuration to a running stack. The parser has already checked syntax and
 * cross references; what can still fail here is what only the stack knows (a duplicate
 * address, a full table), and those errors still name the config line they came from.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_ethdev.h>

#include "dps_apply.h"
#include "dps_neigh.h"
#include "dps_port.h"
#include "dps_proto.h"
#include "dps_route.h"

uint16_t
dps_apply_proto(const struct dps_addr *a)
{
	return a->len == 16 ? RTE_ETHER_TYPE_IPV6 : RTE_ETHER_TYPE_IPV4;
}

/*
 * VLAN NICs: the parent's MAC, its MTU unless the VLAN's own `mtu =` is lower (a tagged frame
 * is 4 bytes longer than the MTU allows the parent's untagged ones: 802.1Q's 1522-byte
 * frames), a dps_vlan_link to the port's transmit, and the parent's table entry.
 */
static int
apply_vlans(struct dps_app *app, char *err, size_t errlen)
{
	const struct dps_config *cfg = &app->cfg;

	for (uint16_t i = 0; i < app->n_vlans; i++) {
		struct dps_app_vlan *v = &app->vlans[i];
		const struct dps_cfg_nic *cn = &cfg->nics[v->nic_id];
		struct dps_app_port *p = v->parent;
		struct dps_nic_conf nc = {
			.name = cn->name,
			.id = v->nic_id,
			.port_id = p->port_id,
			.mtu = cn->mtu != 0 && cn->mtu < p->mtu ? cn->mtu : p->mtu,
			.mac = p->nic->mac,
			.xmit = dps_vlan_xmit,
			.xmit_priv = &v->link,
		};
		int rc;

		if (cn->mtu > p->mtu)
			DPS_LOG(WARNING, "nic %s: mtu %u above its port's %u: using %u", cn->name,
				cn->mtu, p->mtu, p->mtu);
		v->link = (struct dps_vlan_link){
			.xmit = dps_port_xmit,
			.xmit_priv = p,
			.tci = cn->vlan,
			.hw_insert = p->vlan_hw_insert,
		};
		rc = dps_nic_create(app->stack, &nc, &v->nic);
		if (rc == 0)
			rc = dps_nic_enable(v->nic);
		if (rc == 0)
			rc = dps_vlan_add(p->nic, cn->vlan, v->nic);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: nic %s: %s", cfg->path, cn->line, cn->name,
				 strerror(-rc));
			return rc;
		}
		DPS_LOG(INFO, "nic %s (id %u) is vlan %u of nic %s on port %u (%s), MTU %u%s%s",
			cn->name, v->nic_id, cn->vlan, cfg->nics[p->nic_id].name, p->port_id,
			p->name, nc.mtu, p->vlan_hw_insert ? ", tags inserted by the PMD" : "",
			p->vlan_hw_strip ? ", stripped by the PMD" : "");
	}
	return 0;
}

int
dps_apply_nics(struct dps_app *app, char *err, size_t errlen)
{
	const struct dps_config *cfg = &app->cfg;

	for (uint16_t i = 0; i < app->n_ports; i++) {
		struct dps_app_port *p = &app->ports[i];
		const struct dps_cfg_nic *cn = &cfg->nics[p->nic_id];
		struct dps_nic_conf nc = {
			.name = cn->name,
			.id = p->nic_id,
			.port_id = p->port_id,
			.mtu = p->mtu,
			.xmit = dps_port_xmit,
			.xmit_priv = p,
		};
		int rc;

		if (cn->has_mac) {
			memcpy(nc.mac.addr_bytes, cn->mac, RTE_ETHER_ADDR_LEN);
		} else {
			rc = rte_eth_macaddr_get(p->port_id, &nc.mac);
			if (rc != 0) {
				dps_errf(err, errlen, "%s:%d: port %u: no MAC address: %s",
					 cfg->path, cn->port_line, p->port_id, rte_strerror(-rc));
				return rc;
			}
		}
		rc = dps_nic_create(app->stack, &nc, &p->nic);
		if (rc == 0)
			rc = dps_nic_enable(p->nic);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: nic %s: %s", cfg->path, cn->line, cn->name,
				 strerror(-rc));
			return rc;
		}
		DPS_LOG(INFO,
			"nic %s (id %u) on port %u (%s), MAC " RTE_ETHER_ADDR_PRT_FMT ", MTU %u",
			cn->name, p->nic_id, p->port_id, p->name, RTE_ETHER_ADDR_BYTES(&nc.mac),
			p->mtu);
	}
	return apply_vlans(app, err, errlen);
}

/* The NIC whose configured subnets contain gw: the first in file order. */
static int
gateway_nic(const struct dps_config *cfg, const struct dps_addr *gw)
{
	for (unsigned int i = 0; i < cfg->n_nics; i++)
		for (unsigned int j = 0; j < cfg->nics[i].n_addrs; j++) {
			struct dps_prefix p;

			p = *(&cfg->nics[i].addrs[j].p);
			if (p.addr.len == gw->len && dps_prefix_contains(&p, gw))
				return (int)i;
		}
	return -1;
}

static int
apply_nic(struct dps_app *app, unsigned int i, char *err, size_t errlen)
{
	const struct dps_config *cfg = &app->cfg;
	const struct dps_cfg_nic *cn = &cfg->nics[i];
	struct dps_nic *nic = dps_app_nic(app, i);
	char buf[64];
	int rc;

	dps_nic_set_forwarding(nic, cn->forwarding);
	dps_nic_set_redirects(nic, cn->redirects);
	dps_nic_set_source_route(nic, cn->source_route);
	dps_nic_set_promiscuous(nic, cn->promiscuous);
	dps_nic_set_spoofing(nic, cn->spoofing);
	for (unsigned int j = 0; j < cn->n_addrs; j++) {
		static const enum dps_peb peb[] = {
			[DPS_CFG_PEB_CAN_BE_PRIMARY] = DPS_PEB_CAN_BE_PRIMARY,
			[DPS_CFG_PEB_FIRST] = DPS_PEB_FIRST_PRIMARY,
			[DPS_CFG_PEB_NEVER] = DPS_PEB_NEVER_PRIMARY,
		};
		const struct dps_cfg_nic_addr *ca = &cn->addrs[j];
		struct dps_prefix p;

		p = *(&ca->p);
		rc = dps_nic_add_address(nic, dps_apply_proto(&p.addr), &p, peb[ca->peb]);
		/* A bare address (a host prefix) is no subnet: no connected route, as addr add. */
		if (rc == 0 && p.plen < p.addr.len * 8)
			rc = dps_route_add_connected(app->stack, (uint16_t)i, &p);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: address %s on nic %s: %s", cfg->path,
				 ca->line, dps_prefix_fmt(&p, buf, sizeof(buf)), cn->name,
				 strerror(-rc));
			return rc;
		}
	}
	for (unsigned int j = 0; j < cn->n_ranges; j++) {
		struct dps_prefix p;

		p = *(&cn->ranges[j]);
		rc = dps_nic_add_range(nic, dps_apply_proto(&p.addr), &p);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: range %s on nic %s: %s", cfg->path,
				 cn->range_lines[j], dps_prefix_fmt(&p, buf, sizeof(buf)), cn->name,
				 strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/* [stack] neigh_*: the keys given replace the library's defaults, checked together. */
static int
apply_neigh_params(struct dps_app *app, char *err, size_t errlen)
{
	const struct dps_cfg_neigh_params *c = &app->cfg.neigh;
	struct dps_neigh_params p;
	int rc;

	dps_neigh_get_params(app->stack, &p);
#define SET(k) if (c->k != 0) p.k = c->k
	SET(base_reachable_ms);
	SET(retrans_ms);
	SET(delay_first_probe_ms);
	SET(mcast_probes);
	SET(ucast_probes);
	SET(gc_stale_ms);
	SET(failed_hold_ms);
	SET(gc_thresh1);
	SET(gc_thresh2);
	SET(gc_thresh3);
	SET(max_incomplete);
	SET(incomplete_rate);
	SET(max_parked);
#undef SET
	rc = dps_neigh_set_params(app->stack, &p);
	if (rc != 0)
		dps_errf(err, errlen,
			 "%s: [stack] neighbour thresholds out of order: need neigh_gc_thresh1 %u <= "
			 "neigh_gc_thresh2 %u <= neigh_gc_thresh3 %u <= the table's capacity",
			 app->cfg.path, p.gc_thresh1, p.gc_thresh2, p.gc_thresh3);
	return rc;
}

int
dps_apply_config(struct dps_app *app, char *err, size_t errlen)
{
	const struct dps_config *cfg = &app->cfg;
	struct dps_route_batch *batch;
	char buf[64];
	int rc;

	dps_stack_set_forwarding(app->stack, cfg->forwarding);
	rc = apply_neigh_params(app, err, errlen);
	if (rc != 0)
		return rc;
	for (unsigned int i = 0; i < cfg->n_nics; i++) {
		rc = apply_nic(app, i, err, errlen);
		if (rc != 0)
			return rc;
	}
	for (unsigned int i = 0; i < cfg->n_neighs; i++) {
		const struct dps_cfg_neigh *ce = &cfg->neighs[i];
		struct rte_ether_addr mac;
		struct dps_addr a;

		a = *(&ce->addr);
		memcpy(mac.addr_bytes, ce->mac, RTE_ETHER_ADDR_LEN);
		rc = dps_neigh_add_static(app->stack, (uint16_t)ce->nic, &a, &mac);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: neighbour %s: %s", cfg->path, ce->line,
				 dps_addr_fmt(&a, buf, sizeof(buf)), strerror(-rc));
			return rc;
		}
	}
	/* [routes] is one batch: one publish and one grace period for the whole section. */
	batch = dps_route_batch_begin(app->stack);
	if (batch == NULL) {
		dps_errf(err, errlen, "%s: routes: %s", cfg->path, strerror(ENOMEM));
		return -ENOMEM;
	}
	for (unsigned int i = 0; i < cfg->n_routes; i++) {
		const struct dps_cfg_route *cr = &cfg->routes[i];
		struct dps_nexthop nh = {.has_gw = cr->has_gw};
		struct dps_prefix p;
		int nic = cr->nic;

		p = *(&cr->p);
		if (cr->has_gw) {
			nh.gw = *(&cr->gw);
			if (nic < 0)
				nic = gateway_nic(cfg, &nh.gw);
			if (nic < 0) {
				char gw[64];

				dps_errf(err, errlen,
					 "%s:%d: route %s: gateway %s is on no NIC's subnet "
					 "(add \"dev NAME\")",
					 cfg->path, cr->line, dps_prefix_fmt(&p, buf, sizeof(buf)),
					 dps_addr_fmt(&nh.gw, gw, sizeof(gw)));
				dps_route_batch_abort(batch);
				return -ENETUNREACH;
			}
		}
		nh.nic_id = (uint16_t)nic;
		rc = dps_route_batch_add(batch, &p, &nh, 1, 0);
		if (rc != 0) {
			dps_errf(err, errlen, "%s:%d: route %s: %s", cfg->path, cr->line,
				 dps_prefix_fmt(&p, buf, sizeof(buf)), strerror(-rc));
			dps_route_batch_abort(batch);
			return rc;
		}
	}
	{
		struct dps_route_batch_err e = {0};

		rc = dps_route_batch_commit(batch, &e);
		if (rc != 0 && e.index < cfg->n_routes) {
			dps_errf(err, errlen, "%s:%d: route %s: %s", cfg->path,
				 cfg->routes[e.index].line,
				 dps_prefix_fmt(&cfg->routes[e.index].p, buf, sizeof(buf)),
				 strerror(-rc));
			return rc;
		}
	}
	for (unsigned int i = 0; i < cfg->n_udp_echo; i++) {
		rc = dps_udp_echo_add(app->stack, cfg->udp_echo[i]);
		if (rc != 0) {
			dps_errf(err, errlen, "%s: udp echo port %u: %s", cfg->path,
				 cfg->udp_echo[i], strerror(-rc));
			return rc;
		}
	}
	return 0;
}
