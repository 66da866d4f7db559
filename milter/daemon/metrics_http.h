#ifndef CM_METRICS_HTTP_H
#define CM_METRICS_HTTP_H

/*++
/* NAME
/*	metrics_http 3h
/* SUMMARY
/*	the daemon's metrics and their /metrics listener
/* SYNOPSIS
/*	#include "metrics_http.h"
/*
/*	cm_dmetrics_open(): register the metrics, bind Metrics;
/*	cm_dmetrics_start(): serve (after detaching); cm_dmetrics_close().
/*	cm_dmetrics_check(): the Metrics value, for -n.
/* DESCRIPTION
/*	See metrics_http.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "config.h"

typedef struct cm_dmetrics cm_dmetrics;

extern int cm_dmetrics_check(const cm_config *cfg, char *err, size_t errlen);
extern cm_dmetrics *cm_dmetrics_open(const cm_config *cfg, char *err,
				             size_t errlen);
extern int cm_dmetrics_start(cm_dmetrics *dm, char *err, size_t errlen);
extern void cm_dmetrics_close(cm_dmetrics *dm);

#endif
