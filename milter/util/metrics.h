#ifndef CM_METRICS_H
#define CM_METRICS_H

/*++
/* NAME
/*	metrics 3h
/* SUMMARY
/*	counters, gauges and histograms; Prometheus text format
/* SYNOPSIS
/*	#include "metrics.h"
/*
/*	cm_metrics_create/free(): a registry. cm_metrics_counter(),
/*	cm_metrics_gauge(), cm_metrics_histogram(), cm_metrics_info(),
/*	cm_metric_series(): register at start. cm_metric_add/set/observe(),
/*	cm_series_add/set(): update from any thread, lock-free.
/*	cm_metrics_render(): text exposition format 0.0.4.
/* DESCRIPTION
/*	See metrics.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "buf.h"

typedef struct cm_metrics cm_metrics;	/* the registry */
typedef struct cm_metric cm_metric;	/* one metric family */
typedef struct cm_series cm_series;	/* one set of label values */

#define CM_METRICS_MAX_LABELS	4
#define CM_METRICS_VALUE_MAX	128	/* bytes of a label value */
#define CM_METRICS_OTHER	"other"	/* the catch-all label value */

/* Registration: at start, before other threads use the registry. */
extern cm_metrics *cm_metrics_create(void);
extern void cm_metrics_free(cm_metrics *m);
extern const char *cm_metrics_error(const cm_metrics *m);
extern cm_metric *cm_metrics_counter(cm_metrics *m, const char *name,
				             const char *help,
				             const char *const *labels);
extern cm_metric *cm_metrics_gauge(cm_metrics *m, const char *name,
				           const char *help,
				           const char *const *labels);
extern cm_metric *cm_metrics_histogram(cm_metrics *m, const char *name,
				               const char *help,
				               const double *bounds, size_t count);
extern cm_metric *cm_metrics_info(cm_metrics *m, const char *name,
				          const char *help, const char *label,
				          const char *value);
extern cm_series *cm_metric_series(cm_metric *f, const char *const *values);
extern cm_metric *cm_metrics_find(const cm_metrics *m, const char *name);

/* Updates: any thread, any time; a null family or series is ignored. */
extern cm_series *cm_metric_find(const cm_metric *f,
				         const char *const *values);
extern void cm_metric_add(cm_metric *f, const char *const *values,
			          unsigned long long n);
extern void cm_metric_set(cm_metric *f, const char *const *values,
			          long long value);
extern void cm_metric_observe(cm_metric *f, double value);
extern void cm_series_add(cm_series *s, unsigned long long n);
extern void cm_series_set(cm_series *s, long long value);
extern void cm_series_gauge_add(cm_series *s, long long delta);

/*
 * The process's registry, for code far from main() (the store, the
 * audit trail, the plugin host, the cache): NULL until the daemon sets
 * one (Metrics configured), and then every shorthand below is a
 * no-op-when-absent update by metric name.
 */
extern void cm_metrics_set_default(cm_metrics *m);
extern cm_metrics *cm_metrics_default(void);
extern void cm_metrics_inc(const char *name, const char *const *values);
extern void cm_metrics_gauge_set(const char *name, long long value);
extern void cm_metrics_gauge_add(const char *name, long long delta);
extern void cm_metrics_observe(const char *name, double value);
extern double cm_metrics_clock(void);

/* The daemon's metric names (DESIGN.md section 15). */
#define CM_METRIC_DECISIONS	"consent_milter_decisions_total"
#define CM_METRIC_MESSAGES	"consent_milter_messages_total"
#define CM_METRIC_STORE_ERRORS	"consent_milter_store_errors_total"
#define CM_METRIC_STORE_SECONDS	"consent_milter_store_seconds"
#define CM_METRIC_AUDIT_ERRORS	"consent_milter_audit_errors_total"
#define CM_METRIC_PLUGIN_VETOES	"consent_milter_plugin_vetoes_total"
#define CM_METRIC_CACHE_ENTRIES	"consent_milter_cache_entries"
#define CM_METRIC_CACHE_ENABLED	"consent_milter_cache_enabled"
#define CM_METRIC_CACHE_LOOKUPS	"consent_milter_cache_lookups_total"
#define CM_METRIC_UP		"consent_milter_up"
#define CM_METRIC_BUILD_INFO	"consent_milter_build_info"

/* Reading. */
extern long long cm_series_value(const cm_series *s);
extern void cm_metrics_render(const cm_metrics *m, cm_buf *out);

#endif
