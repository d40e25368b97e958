/* SPDX-License-Identifier: Apache-2.0 */
#include "dps_stats.h"

const char *const dps_counter_names[DPS_CNT_MAX] = {
#define DPS_X_NAME(e, n, h) [DPS_CNT_##e] = n,
	DPS_COUNTERS(DPS_X_NAME)
#undef DPS_X_NAME
};

const char *const dps_counter_help[DPS_CNT_MAX] = {
#define DPS_X_HELP(e, n, h) [DPS_CNT_##e] = h,
	DPS_COUNTERS(DPS_X_HELP)
#undef DPS_X_HELP
};
