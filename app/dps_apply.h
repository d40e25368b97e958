/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Applying a parsed configuration (struct dps_config) to a stack: one NIC per [nic] section
 * on its DPDK port, then flags, addresses with their connected routes, ranges, static
 * neighbours, routes and the UDP echo service.
 *
 * Thread safety: control side only (each call takes the stack's writer lock through the
 * lib/nic API); no context of the calling thread may be online.
 */
#ifndef DPS_APPLY_H
#define DPS_APPLY_H

#include <stddef.h>

#include "dps_app.h"

/** Ethertype of an address family's network protocol (IPv4 or IPv6), host order. */
uint16_t dps_apply_proto(const struct dps_addr *a);

/**
 * Create and enable one NIC per configured port (app->ports[i] must be configured: its MAC
 * and MTU are known). The NIC's MAC is the config's `mac =` or the port's own.
 */
int dps_apply_nics(struct dps_app *app, char *err, size_t errlen);

/**
 * Apply everything else of app->cfg to app->stack. Errors name the config line:
 * `FILE:LINE: message`.
 */
int dps_apply_config(struct dps_app *app, char *err, size_t errlen);

#endif
