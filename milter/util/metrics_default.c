/*++
/* NAME
/*	metrics_default 3
/* SUMMARY
/*	the process's metrics registry, updated by name
/* SYNOPSIS
/*	#include "metrics.h"
/*
/*	void	cm_metrics_set_default(m)
/*	cm_metrics *m;
/*
/*	cm_metrics *cm_metrics_default()
/*
/*	void	cm_metrics_inc(name, values)
/*	const char *name;
/*	const char *const *values;
/*
/*	void	cm_metrics_gauge_set(name, value)
/*	void	cm_metrics_gauge_add(name, delta)
/*	const char *name;
/*	long long value;
/*	long long delta;
/*
/*	void	cm_metrics_observe(name, value)
/*	const char *name;
/*	double	value;
/*
/*	double	cm_metrics_clock()
/* DESCRIPTION
/*	Code far from main() (the store, the audit trail, the plugin
/*	host, the consent cache) counts without being handed a registry:
/*	the daemon registers its metrics (metrics(3)) and makes that
/*	registry the process's one; every library updates it by metric
/*	name (the CM_METRIC_* names in metrics.h). Without a registry
/*	(consentctl, the unit tests, no Metrics configured) every update
/*	is a no-op, so the libraries call these whether or not metrics
/*	are on.
/*
/*	The process's registry: cm_metrics_set_default() makes m the
/*	registry that the shorthands use (call it before other threads
/*	run; NULL turns them off), cm_metrics_default() returns it. The
/*	shorthands find a family of that registry by name and update it:
/*	cm_metrics_inc() adds 1 to a counter (values as for
/*	cm_metric_find(); NULL for a family without labels),
/*	cm_metrics_gauge_set() and cm_metrics_gauge_add() change a gauge
/*	without labels, cm_metrics_observe() counts a value in a
/*	histogram. Without a registry, or for a name not registered, they
/*	do nothing: libraries call them whether or not metrics are on.
/*	cm_metrics_clock() is the monotonic clock in seconds, to time
/*	what cm_metrics_observe() counts.
/*
/* DIAGNOSTICS
/*	None: a name that is not registered is not counted.
/* SEE ALSO
/*	metrics(3), the registry.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdatomic.h>
#include <time.h>

/* Application-specific. */

#include "metrics.h"

 /*
  * The process's registry. Set once before the threads start; read
  * on every update, hence atomic.
  */
static _Atomic(cm_metrics *) default_registry;

/* cm_metrics_set_default - the registry the shorthands update */

void    cm_metrics_set_default(cm_metrics *m)
{
    atomic_store(&default_registry, m);
}

/* cm_metrics_default - the registry the shorthands update, or NULL */

cm_metrics *cm_metrics_default(void)
{
    return (atomic_load_explicit(&default_registry, memory_order_acquire));
}

/* cm_metrics_inc - add 1 to a counter of the process's registry */

void    cm_metrics_inc(const char *name, const char *const *values)
{
    cm_metrics *m = cm_metrics_default();

    if (m != 0)
	cm_metric_add(cm_metrics_find(m, name), values, 1);
}

/* cm_metrics_gauge_set - set a gauge of the process's registry */

void    cm_metrics_gauge_set(const char *name, long long value)
{
    cm_metrics *m = cm_metrics_default();

    if (m != 0)
	cm_metric_set(cm_metrics_find(m, name), 0, value);
}

/* cm_metrics_gauge_add - change a gauge of the process's registry */

void    cm_metrics_gauge_add(const char *name, long long delta)
{
    cm_metrics *m = cm_metrics_default();

    if (m != 0)
	cm_series_gauge_add(cm_metric_find(cm_metrics_find(m, name), 0),
			    delta);
}

/* cm_metrics_observe - count a value in a histogram of the registry */

void    cm_metrics_observe(const char *name, double value)
{
    cm_metrics *m = cm_metrics_default();

    if (m != 0)
	cm_metric_observe(cm_metrics_find(m, name), value);
}

/* cm_metrics_clock - monotonic seconds, for timing */

double  cm_metrics_clock(void)
{
    struct timespec ts;

    (void) clock_gettime(CLOCK_MONOTONIC, &ts);
    return ((double) ts.tv_sec + (double) ts.tv_nsec / 1e9);
}
