/*++
/* NAME
/*	metrics 3
/* SUMMARY
/*	counters, gauges and histograms; Prometheus text format
/* SYNOPSIS
/*	#include "metrics.h"
/*
/*	cm_metrics *cm_metrics_create()
/*
/*	void	cm_metrics_free(m)
/*	cm_metrics *m;
/*
/*	const char *cm_metrics_error(m)
/*	const cm_metrics *m;
/*
/*	cm_metric *cm_metrics_counter(m, name, help, labels)
/*	cm_metric *cm_metrics_gauge(m, name, help, labels)
/*	cm_metrics *m;
/*	const char *name;
/*	const char *help;
/*	const char *const *labels;
/*
/*	cm_metric *cm_metrics_histogram(m, name, help, bounds, count)
/*	cm_metrics *m;
/*	const char *name;
/*	const char *help;
/*	const double *bounds;
/*	size_t	count;
/*
/*	cm_metric *cm_metrics_info(m, name, help, label, value)
/*	cm_metrics *m;
/*	const char *name;
/*	const char *help;
/*	const char *label;
/*	const char *value;
/*
/*	cm_series *cm_metric_series(f, values)
/*	cm_metric *f;
/*	const char *const *values;
/*
/*	cm_metric *cm_metrics_find(m, name)
/*	const cm_metrics *m;
/*	const char *name;
/*
/*	cm_series *cm_metric_find(f, values)
/*	const cm_metric *f;
/*	const char *const *values;
/*
/*	void	cm_metric_add(f, values, n)
/*	cm_metric *f;
/*	const char *const *values;
/*	unsigned long long n;
/*
/*	void	cm_metric_set(f, values, value)
/*	cm_metric *f;
/*	const char *const *values;
/*	long long value;
/*
/*	void	cm_metric_observe(f, value)
/*	cm_metric *f;
/*	double	value;
/*
/*	void	cm_series_add(s, n)
/*	cm_series *s;
/*	unsigned long long n;
/*
/*	void	cm_series_set(s, value)
/*	void	cm_series_gauge_add(s, delta)
/*	cm_series *s;
/*	long long value;
/*	long long delta;
/*
/*	long long cm_series_value(s)
/*	const cm_series *s;
/*
/*	void	cm_metrics_render(m, out)
/*	const cm_metrics *m;
/*	cm_buf	*out;
/* DESCRIPTION
/*	A registry of metrics that the daemon's callbacks update on many
/*	threads at once and that a scrape renders in the Prometheus text
/*	exposition format 0.0.4. Every metric and every set of label
/*	values is registered at start, by the code: label values come
/*	from a bounded set the program chooses, never from mail (no
/*	address, no campaign id), so the number of series is fixed
/*	before the first message.
/*
/*	Registration (not thread-safe: before other threads use m):
/*	cm_metrics_create() makes an empty registry, cm_metrics_free()
/*	releases it and everything in it. cm_metrics_counter() and
/*	cm_metrics_gauge() register a family with the label names in
/*	labels (a null-terminated array of up to CM_METRICS_MAX_LABELS
/*	names, or NULL for none). A family without labels has its one
/*	series at once; one with labels gets series from
/*	cm_metric_series(), one per combination of values (an array of
/*	as many values as the family has labels; registering a
/*	combination again returns the same series).
/*	cm_metrics_histogram() registers a histogram without labels,
/*	with count upper bounds (strictly increasing; +Inf is implied).
/*	cm_metrics_info() registers a gauge with one label whose one
/*	series is 1, like consent_milter_build_info{version="1.2"} 1.
/*	cm_metrics_find() returns a registered family by name (for code
/*	that sets a gauge registered elsewhere). Families render in the
/*	order of registration, series too.
/*
/*	Names follow the Prometheus data model: metric names
/*	[a-zA-Z_:][a-zA-Z0-9_:]*, label names [a-zA-Z_][a-zA-Z0-9_]*, not
/*	starting with "__", "le" not allowed. A label value is 1 to
/*	CM_METRICS_VALUE_MAX bytes and never contains "@": an address
/*	cannot become a label by mistake. A registration that breaks a
/*	rule returns NULL; cm_metrics_error() says which was the first.
/*
/*	Updates (any thread; lock-free, relaxed atomics; a NULL family
/*	or series is ignored, so that code can run without metrics):
/*	cm_metric_find() returns the series with these label values; a
/*	combination never registered is counted under the value
/*	CM_METRICS_OTHER ("other") of the last label when that series
/*	is registered, else not at all (NULL). cm_metric_add() adds n to
/*	a counter, cm_metric_set() sets a gauge, cm_series_add(),
/*	cm_series_set() and cm_series_gauge_add() do the same on a
/*	series that the caller kept. cm_metric_observe() counts one
/*	value in a histogram. cm_series_value() reads a series.
/*
/*	cm_metrics_render() appends the whole registry to out: "# HELP"
/*	(backslash and newline escaped) and "# TYPE" lines, then one
/*	line per series, label values escaped (backslash, double quote,
/*	newline); histograms as NAME_bucket{le="..."} (cumulative, the
/*	last le="+Inf"), NAME_sum and NAME_count (equal to the +Inf
/*	bucket, even while other threads observe). Numbers are integers,
/*	or for bounds and sums the shortest decimal that reads back as
/*	the same double.
/* DIAGNOSTICS
/*	cm_metrics_error(): NULL, or the first registration error, naming
/*	the metric.
/* SEE ALSO
/*	metrics_default(3), the process's registry and its shorthands.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <math.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "buf.h"
#include "metrics.h"

#define TYPE_COUNTER	1
#define TYPE_GAUGE	2
#define TYPE_HISTOGRAM	3

struct cm_series {
    char   *values[CM_METRICS_MAX_LABELS];
    _Atomic unsigned long long value;	/* gauges: two's complement */
};

struct cm_metric {
    cm_metrics *owner;			/* for errors */
    char   *name;
    char   *help;
    int     type;
    int     nlabels;
    char   *labels[CM_METRICS_MAX_LABELS];
    cm_series **series;			/* pointers: stable while growing */
    size_t  nseries;
    size_t  cap;
    double *bounds;			/* histogram */
    size_t  nbounds;
    _Atomic unsigned long long *buckets;	/* nbounds + 1, not cumulative */
    _Atomic unsigned long long sum_bits;	/* a double, as its bits */
};

struct cm_metrics {
    cm_metric **fam;
    size_t  n;
    size_t  cap;
    char    err[256];
};

/* cm_metrics_create - an empty registry */

cm_metrics *cm_metrics_create(void)
{
    return (calloc(1, sizeof(cm_metrics)));
}

/* free_metric - one family and its series */

static void free_metric(cm_metric *f)
{
    size_t  i;
    int     j;

    for (i = 0; i < f->nseries; i++) {
	for (j = 0; j < f->nlabels; j++)
	    free(f->series[i]->values[j]);
	free(f->series[i]);
    }
    for (j = 0; j < f->nlabels; j++)
	free(f->labels[j]);
    free(f->series);
    free(f->bounds);
    free((void *) f->buckets);
    free(f->name);
    free(f->help);
    free(f);
}

/* cm_metrics_free - the registry and everything in it */

void    cm_metrics_free(cm_metrics *m)
{
    size_t  i;

    if (m == 0)
	return;
    for (i = 0; i < m->n; i++)
	free_metric(m->fam[i]);
    free(m->fam);
    free(m);
}

/* cm_metrics_error - the first registration error, or NULL */

const char *cm_metrics_error(const cm_metrics *m)
{
    return (m == 0 ? "no metrics registry" : m->err[0] ? m->err : 0);
}

/* fail - remember the first error */

static void *fail(cm_metrics *m, const char *name, const char *why)
{
    if (m->err[0] == 0)
	(void) snprintf(m->err, sizeof(m->err), "metric %.100s: %s",
			name ? name : "(null)", why);
    return (0);
}

/* name_ok - a metric name (colons allowed) or a label name */

static int name_ok(const char *s, int colon)
{
    const char *cp;

    if (s == 0 || *s == 0 || strlen(s) > 200 || (*s >= '0' && *s <= '9'))
	return (0);
    for (cp = s; *cp; cp++)
	if (!((*cp >= 'a' && *cp <= 'z') || (*cp >= 'A' && *cp <= 'Z')
	      || (*cp >= '0' && *cp <= '9') || *cp == '_'
	      || (colon && *cp == ':')))
	    return (0);
    return (1);
}

/* new_series - a zeroed series with copies of the label values */

static cm_series *new_series(cm_metric *f, const char *const *values)
{
    cm_series *s;
    cm_series **grown;
    int     j;

    if (f->nseries == f->cap) {
	f->cap = f->cap ? 2 * f->cap : 8;
	if ((grown = realloc(f->series, f->cap * sizeof(*grown))) == 0)
	    return (0);
	f->series = grown;
    }
    if ((s = calloc(1, sizeof(*s))) == 0)
	return (0);
    for (j = 0; j < f->nlabels; j++) {
	if ((s->values[j] = strdup(values[j])) == 0) {
	    while (j-- > 0)
		free(s->values[j]);
	    free(s);
	    return (0);
	}
    }
    atomic_init(&s->value, 0);
    f->series[f->nseries++] = s;
    return (s);
}

/* add_family - register a family of a type */

static cm_metric *add_family(cm_metrics *m, const char *name,
			             const char *help, int type,
			             const char *const *labels)
{
    cm_metric *f;
    cm_metric **grown;
    int     n = 0;
    int     j;

    if (m == 0)
	return (0);
    if (!name_ok(name, 1))
	return (fail(m, name, "not a valid metric name"));
    if (help == 0 || *help == 0)
	return (fail(m, name, "no help text"));
    if (cm_metrics_find(m, name) != 0)
	return (fail(m, name, "registered twice"));
    for (n = 0; labels && labels[n]; n++) {
	if (n >= CM_METRICS_MAX_LABELS)
	    return (fail(m, name, "too many labels"));
	if (!name_ok(labels[n], 0) || strncmp(labels[n], "__", 2) == 0
	    || strcmp(labels[n], "le") == 0)
	    return (fail(m, name, "not a valid label name"));
	for (j = 0; j < n; j++)
	    if (strcmp(labels[j], labels[n]) == 0)
		return (fail(m, name, "a label named twice"));
    }
    if (m->n == m->cap) {
	m->cap = m->cap ? 2 * m->cap : 16;
	if ((grown = realloc(m->fam, m->cap * sizeof(*grown))) == 0)
	    return (fail(m, name, "out of memory"));
	m->fam = grown;
    }
    if ((f = calloc(1, sizeof(*f))) == 0)
	return (fail(m, name, "out of memory"));
    f->owner = m;
    f->type = type;
    f->nlabels = n;
    j = 0;
    if ((f->name = strdup(name)) == 0 || (f->help = strdup(help)) == 0)
	goto oom;
    for (j = 0; j < n; j++)
	if ((f->labels[j] = strdup(labels[j])) == 0)
	    goto oom;
    /* Without labels, the one series exists from the start. */
    if (n == 0 && type != TYPE_HISTOGRAM && new_series(f, 0) == 0)
	goto oom;
    m->fam[m->n++] = f;
    return (f);

oom:
    f->nlabels = j;
    free_metric(f);
    return (fail(m, name, "out of memory"));
}

/* cm_metrics_counter - register a counter family */

cm_metric *cm_metrics_counter(cm_metrics *m, const char *name,
			              const char *help, const char *const *labels)
{
    return (add_family(m, name, help, TYPE_COUNTER, labels));
}

/* cm_metrics_gauge - register a gauge family */

cm_metric *cm_metrics_gauge(cm_metrics *m, const char *name,
			            const char *help, const char *const *labels)
{
    return (add_family(m, name, help, TYPE_GAUGE, labels));
}

/* cm_metrics_histogram - register a histogram with fixed buckets */

cm_metric *cm_metrics_histogram(cm_metrics *m, const char *name,
				        const char *help, const double *bounds,
				        size_t count)
{
    cm_metric *f;
    double  zero = 0;
    unsigned long long bits;
    size_t  i;

    if (m == 0)
	return (0);
    if (count == 0 || count > 64)
	return (fail(m, name, "expected 1 to 64 bucket bounds"));
    for (i = 0; i < count; i++)
	if (!isfinite(bounds[i]) || (i > 0 && bounds[i] <= bounds[i - 1]))
	    return (fail(m, name, "bucket bounds must be finite and"
			 " increasing"));
    if ((f = add_family(m, name, help, TYPE_HISTOGRAM, 0)) == 0)
	return (0);
    f->bounds = malloc(count * sizeof(double));
    f->buckets = calloc(count + 1, sizeof(*f->buckets));
    if (f->bounds == 0 || f->buckets == 0) {
	m->n--;
	free_metric(f);
	return (fail(m, name, "out of memory"));
    }
    memcpy(f->bounds, bounds, count * sizeof(double));
    f->nbounds = count;
    for (i = 0; i <= count; i++)
	atomic_init(&f->buckets[i], 0);
    memcpy(&bits, &zero, sizeof(bits));
    atomic_init(&f->sum_bits, bits);
    return (f);
}

/* value_ok - a label value the code chose: bounded, no address */

static int value_ok(const char *v)
{
    size_t  len;

    if (v == 0 || (len = strlen(v)) == 0 || len > CM_METRICS_VALUE_MAX)
	return (0);
    return (strchr(v, '@') == 0);
}

/* same_values - does series s carry these values */

static int same_values(const cm_metric *f, const cm_series *s,
		               const char *const *values)
{
    int     j;

    for (j = 0; j < f->nlabels; j++)
	if (strcmp(s->values[j], values[j]) != 0)
	    return (0);
    return (1);
}

/* exact - the series with exactly these values, or NULL */

static cm_series *exact(const cm_metric *f, const char *const *values)
{
    size_t  i;

    if (f->nlabels == 0)
	return (f->nseries ? f->series[0] : 0);
    for (i = 0; i < f->nseries; i++)
	if (same_values(f, f->series[i], values))
	    return (f->series[i]);
    return (0);
}

/* cm_metric_series - register one combination of label values */

cm_series *cm_metric_series(cm_metric *f, const char *const *values)
{
    cm_series *s;
    int     j;

    if (f == 0 || f->type == TYPE_HISTOGRAM)
	return (0);
    if (f->nlabels == 0)
	return (f->series[0]);
    for (j = 0; j < f->nlabels; j++)
	if (!value_ok(values[j]))
	    return (fail(f->owner, f->name, "a label value that is empty,"
			 " too long or holds an @"));
    if ((s = exact(f, values)) != 0)
	return (s);
    if ((s = new_series(f, values)) == 0)
	return (fail(f->owner, f->name, "out of memory"));
    return (s);
}

/* cm_metrics_info - a gauge of one label, set to 1 */

cm_metric *cm_metrics_info(cm_metrics *m, const char *name, const char *help,
			           const char *label, const char *value)
{
    const char *labels[2];
    const char *values[1];
    cm_metric *f;
    cm_series *s;

    labels[0] = label;
    labels[1] = 0;
    values[0] = value;
    if ((f = add_family(m, name, help, TYPE_GAUGE, labels)) == 0)
	return (0);
    if ((s = cm_metric_series(f, values)) == 0)
	return (0);
    cm_series_set(s, 1);
    return (f);
}

/* cm_metrics_find - a family by name */

cm_metric *cm_metrics_find(const cm_metrics *m, const char *name)
{
    size_t  i;

    if (m == 0 || name == 0)
	return (0);
    for (i = 0; i < m->n; i++)
	if (strcmp(m->fam[i]->name, name) == 0)
	    return (m->fam[i]);
    return (0);
}

/* cm_metric_find - the series to count these values in, or NULL */

cm_series *cm_metric_find(const cm_metric *f, const char *const *values)
{
    const char *other[CM_METRICS_MAX_LABELS];
    cm_series *s;
    int     j;

    if (f == 0 || f->type == TYPE_HISTOGRAM)
	return (0);
    if (f->nlabels == 0)
	return (f->series[0]);
    if (values == 0)
	return (0);
    for (j = 0; j < f->nlabels; j++)
	if (values[j] == 0)
	    return (0);
    if ((s = exact(f, values)) != 0)
	return (s);
    /* A value nobody registered: "other" of the last label, if there. */
    for (j = 0; j < f->nlabels; j++)
	other[j] = values[j];
    other[f->nlabels - 1] = CM_METRICS_OTHER;
    return (exact(f, other));
}

/* cm_series_add - add to a counter */

void    cm_series_add(cm_series *s, unsigned long long n)
{
    if (s)
	atomic_fetch_add_explicit(&s->value, n, memory_order_relaxed);
}

/* cm_series_set - set a gauge */

void    cm_series_set(cm_series *s, long long value)
{
    if (s)
	atomic_store_explicit(&s->value, (unsigned long long) value,
			      memory_order_relaxed);
}

/* cm_series_gauge_add - add to a gauge (negative: subtract) */

void    cm_series_gauge_add(cm_series *s, long long delta)
{
    if (s)
	atomic_fetch_add_explicit(&s->value, (unsigned long long) delta,
				  memory_order_relaxed);
}

/* cm_series_value - a series' value */

long long cm_series_value(const cm_series *s)
{
    if (s == 0)
	return (0);
    return ((long long) atomic_load_explicit(
			      &((cm_series *) s)->value, memory_order_relaxed));
}

/* cm_metric_add - add n to a counter by label values */

void    cm_metric_add(cm_metric *f, const char *const *values,
		              unsigned long long n)
{
    cm_series_add(cm_metric_find(f, values), n);
}

/* cm_metric_set - set a gauge by label values */

void    cm_metric_set(cm_metric *f, const char *const *values, long long value)
{
    cm_series_set(cm_metric_find(f, values), value);
}

/* cm_metric_observe - count one value in a histogram */

void    cm_metric_observe(cm_metric *f, double value)
{
    unsigned long long old;
    unsigned long long new;
    double  sum;
    size_t  i;

    if (f == 0 || f->type != TYPE_HISTOGRAM || isnan(value))
	return;
    for (i = 0; i < f->nbounds && value > f->bounds[i]; i++)
	 /* void */ ;
    atomic_fetch_add_explicit(&f->buckets[i], 1, memory_order_relaxed);

    /*
     * There is no atomic add for a double: swap the bits in when nobody
     * changed them since we read them, else read again.
     */
    old = atomic_load_explicit(&f->sum_bits, memory_order_relaxed);
    do {
	memcpy(&sum, &old, sizeof(sum));
	sum += value;
	memcpy(&new, &sum, sizeof(new));
    } while (!atomic_compare_exchange_weak_explicit(&f->sum_bits, &old, new,
						      memory_order_relaxed,
						    memory_order_relaxed));
}

/* add_double - the shortest decimal that reads back as v */

static void add_double(cm_buf *out, double v)
{
    char    text[40];
    int     prec;

    if (isnan(v)) {
	cm_buf_adds(out, "NaN");
	return;
    }
    if (isinf(v)) {
	cm_buf_adds(out, v > 0 ? "+Inf" : "-Inf");
	return;
    }
    /* Whole numbers as such: 900000, not the shortest form 9e+05. */
    if (v < 1e15 && v > -1e15 && v == (double) (long long) v) {
	cm_buf_printf(out, "%.0f", v);
	return;
    }
    for (prec = 1; prec <= 17; prec++) {
	(void) snprintf(text, sizeof(text), "%.*g", prec, v);
	if (strtod(text, 0) == v)
	    break;
    }
    cm_buf_adds(out, text);
}

/* add_escaped - a HELP text or (quote set) a label value */

static void add_escaped(cm_buf *out, const char *s, int quote)
{
    for (; *s; s++) {
	if (*s == '\\')
	    cm_buf_adds(out, "\\\\");
	else if (*s == '\n')
	    cm_buf_adds(out, "\\n");
	else if (quote && *s == '"')
	    cm_buf_adds(out, "\\\"");
	else
	    cm_buf_addc(out, *s);
    }
}

/* add_labels - {name="value",...} of a series, or nothing */

static void add_labels(cm_buf *out, const cm_metric *f, const cm_series *s)
{
    int     j;

    if (f->nlabels == 0)
	return;
    cm_buf_addc(out, '{');
    for (j = 0; j < f->nlabels; j++) {
	if (j > 0)
	    cm_buf_addc(out, ',');
	cm_buf_adds(out, f->labels[j]);
	cm_buf_adds(out, "=\"");
	add_escaped(out, s->values[j], 1);
	cm_buf_addc(out, '"');
    }
    cm_buf_addc(out, '}');
}

/* render_histogram - _bucket lines, _sum, _count */

static void render_histogram(cm_buf *out, const cm_metric *f)
{
    unsigned long long total = 0;
    unsigned long long bits;
    double  sum;
    size_t  i;

    for (i = 0; i <= f->nbounds; i++) {
	total += atomic_load_explicit(&f->buckets[i], memory_order_relaxed);
	cm_buf_printf(out, "%s_bucket{le=\"", f->name);
	if (i < f->nbounds)
	    add_double(out, f->bounds[i]);
	else
	    cm_buf_adds(out, "+Inf");
	cm_buf_adds(out, "\"} ");
	cm_buf_add_uint(out, total);
	cm_buf_addc(out, '\n');
    }
    bits = atomic_load_explicit(&((cm_metric *) f)->sum_bits,
				memory_order_relaxed);
    memcpy(&sum, &bits, sizeof(sum));
    cm_buf_printf(out, "%s_sum ", f->name);
    add_double(out, sum);
    /* The count is the +Inf bucket: the two always agree. */
    cm_buf_printf(out, "\n%s_count ", f->name);
    cm_buf_add_uint(out, total);
    cm_buf_addc(out, '\n');
}

/* cm_metrics_render - the registry in text exposition format 0.0.4 */

void    cm_metrics_render(const cm_metrics *m, cm_buf *out)
{
    static const char *type_name[] = {"", "counter", "gauge", "histogram"};
    const cm_metric *f;
    const cm_series *s;
    size_t  i;
    size_t  k;

    if (m == 0)
	return;
    for (i = 0; i < m->n; i++) {
	f = m->fam[i];
	cm_buf_printf(out, "# HELP %s ", f->name);
	add_escaped(out, f->help, 0);
	cm_buf_printf(out, "\n# TYPE %s %s\n", f->name, type_name[f->type]);
	if (f->type == TYPE_HISTOGRAM) {
	    render_histogram(out, f);
	    continue;
	}
	for (k = 0; k < f->nseries; k++) {
	    s = f->series[k];
	    cm_buf_adds(out, f->name);
	    add_labels(out, f, s);
	    cm_buf_addc(out, ' ');
	    if (f->type == TYPE_COUNTER)
		cm_buf_add_uint(out, (unsigned long long) cm_series_value(s));
	    else
		cm_buf_printf(out, "%lld", cm_series_value(s));
	    cm_buf_addc(out, '\n');
	}
    }
}

