/* SPDX-License-Identifier: Apache-2.0 */
/**
 * @file
 * Packet trace, as VPP's `trace add`: a worker records the next N packets it receives, each
 * with its first bytes, the path and verdict it took and the counters it moved.
 *
 * Off, the data path pays one relaxed load and one predictable branch per received burst
 * (dps_trace_armed()). Armed, the worker hands the burst to dps_trace_burst(), which runs the
 * traced packets through the stack one at a time, each between two snapshots of the worker's
 * own counters: the difference is exactly what that packet did. Nothing is shared per packet:
 * each worker writes its own records; the control side reads them after an acquire of the
 * record count, and arms or disarms with one atomic store.
 */
#ifndef DPS_TRACE_H
#define DPS_TRACE_H

#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_mbuf.h>

#define DPS_TRACE_MAX 128  /**< records kept per worker */
#define DPS_TRACE_HEAD 64  /**< bytes of each packet kept */
#define DPS_TRACE_CNT 12   /**< counters kept per packet */

struct dps_trace_rec {
	uint64_t tsc;
	uint16_t port, queue, nic_id, len;
	uint8_t head[DPS_TRACE_HEAD];
	uint8_t n_cnt;
	struct {
		uint16_t nic_id;
		uint16_t cnt; /**< enum dps_counter */
		uint32_t delta;
	} c[DPS_TRACE_CNT];
};

/** One worker's trace: left and n are the only fields two threads touch. */
struct dps_trace {
	uint32_t left; /**< packets still to trace (atomic: armed by ctl, counted down here) */
	uint32_t n;    /**< records written (atomic: written by the worker, read by ctl) */
	struct dps_trace_rec rec[DPS_TRACE_MAX];
};

struct dps_app_worker;
struct dps_app_rxq;

static inline bool
dps_trace_armed(const struct dps_trace *t)
{
	return unlikely(__atomic_load_n(&t->left, __ATOMIC_RELAXED) != 0);
}

/** Worker: the burst of an armed trace. Takes ownership of every mbuf, as dps_eth_input_burst. */
void dps_trace_burst(struct dps_app_worker *w, const struct dps_app_rxq *q, struct rte_mbuf **pkts,
		     uint16_t n);

struct dps_app;
struct dps_out;

/** Control: trace the next n packets of every worker (at most DPS_TRACE_MAX kept each). */
int dps_trace_add(struct dps_app *app, unsigned int n);
/** Control: stop tracing and forget the records. */
void dps_trace_clear(struct dps_app *app);
/** Control: the records, one block per packet (or a JSON array). */
void dps_trace_show(struct dps_app *app, struct dps_out *o, bool json);

#endif
