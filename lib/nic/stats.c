/* SPDX-License-Identifier: Apache-2.0 */
#include <rte_log.h>

#include "dps_nic_priv.h"
#include "dps_stats.h"

RTE_LOG_REGISTER(dps_logtype_route, dpstack.route, INFO);
RTE_LOG_REGISTER(dps_logtype_addr, dpstack.addr, INFO);
RTE_LOG_REGISTER(dps_logtype_neigh, dpstack.neigh, INFO);

const char *const dps_counter_names[DPS_CNT_MAX] = {
#define DPS_X_NAME(e, n, k, h) [DPS_CNT_##e] = n,
	DPS_COUNTERS(DPS_X_NAME)
#undef DPS_X_NAME
};

const char *const dps_counter_help[DPS_CNT_MAX] = {
#define DPS_X_HELP(e, n, k, h) [DPS_CNT_##e] = h,
	DPS_COUNTERS(DPS_X_HELP)
#undef DPS_X_HELP
};

const enum dps_counter_kind dps_counter_kinds[DPS_CNT_MAX] = {
#define DPS_X_KIND(e, n, k, h) [DPS_CNT_##e] = DPS_CK_##k,
	DPS_COUNTERS(DPS_X_KIND)
#undef DPS_X_KIND
};

const char *const dps_counter_kind_names[DPS_CK_MAX] = {
	[DPS_CK_DROP] = "drop",
	[DPS_CK_ERROR] = "error",
	[DPS_CK_INFO] = "info",
	[DPS_CK_SENT] = "sent",
};

uint64_t
dps_counters_sum_kind(const uint64_t c[DPS_CNT_MAX], enum dps_counter_kind kind)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < DPS_CNT_MAX; i++)
		if (dps_counter_kinds[i] == kind)
			sum += c[i];
	return sum;
}
