/*++
/* NAME
/*	svg_chart 3
/* SUMMARY
/*	consentctl: bar charts as inline SVG
/* SYNOPSIS
/*	#include "report_page.h"
/*
/*	void	svg_bars(b, title, desc, cat, ncat, ser, nser, xlabel, ylabel)
/*	cm_buf	*b;
/*	const char *title;
/*	const char *desc;
/*	const char *const *cat;
/*	size_t	ncat;
/*	const svg_series *ser;
/*	size_t	nser;
/*	const char *xlabel;
/*	const char *ylabel;
/*
/*	void	svg_hbars(b, title, desc, cat, val, ncat, colour, xlabel)
/*	const double *val;
/*	const char *colour;
/* DESCRIPTION
/*	Charts for the HTML reports, drawn here so that the page needs no
/*	script and no network: plain SVG inside the HTML.
/*
/*	svg_bars() draws stacked vertical bars, one per category (a day,
/*	say), one segment per series, with a y axis of round numbers and
/*	grid lines, category labels (thinned out when there are many),
/*	axis titles and a legend. svg_hbars() draws one horizontal bar
/*	per category with its value written at the end of the bar.
/*
/*	Every chart carries a <title> and a <desc> that a screen reader
/*	announces (role="img", aria-labelledby), and every bar its own
/*	<title> with the exact number, shown on hover. All text is escaped.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <string.h>

/* Application-specific. */

#include "buf.h"
#include "report_page.h"

#define W	760			/* drawing width, user units */
#define TICKS	5			/* about this many y ticks */

static int chart_id;			/* unique ids within a page */

/* nice_step - a round tick step (1, 2 or 5 times a power of ten) */

static double nice_step(double max)
{
    double  raw = max / TICKS, mag = 1;

    if (raw <= 1)
	return (1);
    while (mag * 10 <= raw)
	mag *= 10;
    return ((raw <= mag ? 1 : raw <= 2 * mag ? 2 : raw <= 5 * mag ? 5 : 10)
	    * mag);
}

/* open_svg - the svg element with its accessible title and description */

static void open_svg(cm_buf *b, int height, const char *title,
		             const char *desc)
{
    int     id = ++chart_id;

    cm_buf_printf(b, "<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		  "role=\"img\" aria-labelledby=\"chart%d-t chart%d-d\" "
		  "font-family=\"DejaVu Sans,Arial,sans-serif\" "
		  "font-size=\"12\">\n<title id=\"chart%d-t\">", W, height, W,
		  height, id, id, id);
    page_text(b, title);
    cm_buf_printf(b, "</title>\n<desc id=\"chart%d-d\">", id);
    page_text(b, desc);
    cm_buf_adds(b, "</desc>\n<rect width=\"100%\" height=\"100%\" "
		"fill=\"#ffffff\"/>\n");
}

/* round_up - max rounded up to a whole number of steps */

static double round_up(double max, double step)
{
    double  n = (double) (long long) (max / step);

    return ((n * step < max ? n + 1 : n) * step);
}

/* num - a count as text: integers without a fraction */

static const char *num(char *buf, size_t size, double v)
{
    if (v > -1e15 && v < 1e15 && v == (double) (long long) v)
	snprintf(buf, size, "%.0f", v);
    else
	snprintf(buf, size, "%.1f", v);
    return (buf);
}

/* svg_bars - stacked vertical bars with axes and a legend */

void    svg_bars(cm_buf *b, const char *title, const char *desc,
		         const char *const *cat, size_t ncat,
		         const svg_series *ser, size_t nser,
		         const char *xlabel, const char *ylabel)
{
    const int left = 64, right = 16, plot_h = 220, label_h = 96;
    double  max = 0, sum, step, y, v, bw, x, h;
    char    n1[40];
    size_t  i, k, every, longest = 0, cols;
    int     lx, colw, top, height;

    /* Legend columns as wide as the longest name (7 px a character). */
    for (k = 0; k < nser; k++)
	if (strlen(ser[k].name) > longest)
	    longest = strlen(ser[k].name);
    colw = 24 + 7 * (int) longest;
    cols = (size_t) ((W - left - right) / colw);
    if (cols < 1)
	cols = 1;
    top = 16 + 20 * (int) ((nser + cols - 1) / cols);
    height = top + plot_h + label_h;

    for (i = 0; i < ncat; i++) {
	for (sum = 0, k = 0; k < nser; k++)
	    sum += ser[k].val[i];
	if (sum > max)
	    max = sum;
    }
    step = nice_step(max > 0 ? max : 1);
    max = round_up(max > 0 ? max : 1, step);
    open_svg(b, height, title, desc);

    /* Legend above the plot, in columns. */
    for (k = 0; k < nser; k++) {
	lx = left + (int) (k % cols) * colw;
	cm_buf_printf(b, "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"12\" "
		      "fill=\"%s\"/><text x=\"%d\" y=\"%d\">", lx,
		      6 + 20 * (int) (k / cols), ser[k].colour, lx + 17,
		      16 + 20 * (int) (k / cols));
	page_text(b, ser[k].name);
	cm_buf_adds(b, "</text>\n");
    }

    /* Grid and y axis labels. */
    for (y = 0; y <= max + step / 2; y += step) {
	h = top + plot_h - y / max * plot_h;
	cm_buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" "
		      "stroke=\"#dddddd\"/><text x=\"%d\" y=\"%.1f\" "
		      "text-anchor=\"end\">%s</text>\n", left, W - right, h, h,
		      left - 6, h + 4, num(n1, sizeof(n1), y));
    }
    cm_buf_printf(b, "<text transform=\"translate(14 %d) rotate(-90)\" "
		  "text-anchor=\"middle\">", top + plot_h / 2);
    page_text(b, ylabel);
    cm_buf_adds(b, "</text>\n");

    /* Bars. */
    bw = ncat ? (double) (W - left - right) / ncat : 0;
    every = ncat > 31 ? (ncat + 30) / 31 : 1;
    for (i = 0; i < ncat; i++) {
	x = left + i * bw;
	for (sum = 0, k = 0; k < nser; k++) {
	    if ((v = ser[k].val[i]) <= 0)
		continue;
	    h = v / max * plot_h;
	    /* A few categories must not make slabs: 60 units at most. */
	    cm_buf_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" "
			  "height=\"%.1f\" fill=\"%s\"><title>",
			  x + (bw - (bw * 0.8 > 60 ? 60 : bw * 0.8)) / 2,
			  top + plot_h - (sum / max * plot_h) - h,
			  bw * 0.8 > 60 ? 60 : bw * 0.8, h, ser[k].colour);
	    page_text(b, cat[i]);
	    cm_buf_adds(b, ": ");
	    page_text(b, ser[k].name);
	    cm_buf_printf(b, " %s</title></rect>\n", num(n1, sizeof(n1), v));
	    sum += v;
	}
	if (i % every == 0) {
	    cm_buf_printf(b, "<text transform=\"translate(%.1f %d) "
			  "rotate(-45)\" text-anchor=\"end\">",
			  x + bw / 2 + 4, top + plot_h + 14);
	    page_text(b, cat[i]);
	    cm_buf_adds(b, "</text>\n");
	}
    }

    /* Axes and the x title. */
    cm_buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
		  "stroke=\"#333333\"/><line x1=\"%d\" x2=\"%d\" y1=\"%d\" "
		  "y2=\"%d\" stroke=\"#333333\"/>\n", left, W - right,
		  top + plot_h, top + plot_h, left, left, top, top + plot_h);
    cm_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">",
		  left + (W - left - right) / 2, height - 4);
    page_text(b, xlabel);
    cm_buf_adds(b, "</text>\n</svg>\n");
}

/* svg_hbars - one horizontal bar per category, the value at its end */

void    svg_hbars(cm_buf *b, const char *title, const char *desc,
		          const char *const *cat, const double *val,
		          size_t ncat, const char *colour, const char *xlabel)
{
    const int left = 190, right = 70, top = 10, row = 26;
    int     height = top + (int) (ncat ? ncat : 1) * row + 50;
    double  max = 0, step, x, w;
    char    n1[40];
    size_t  i;

    for (i = 0; i < ncat; i++)
	if (val[i] > max)
	    max = val[i];
    step = nice_step(max > 0 ? max : 1);
    max = round_up(max > 0 ? max : 1, step);
    open_svg(b, height, title, desc);
    for (x = 0; x <= max + step / 2; x += step) {
	w = left + x / max * (W - left - right);
	cm_buf_printf(b, "<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\" "
		      "stroke=\"#dddddd\"/><text x=\"%.1f\" y=\"%d\" "
		      "text-anchor=\"middle\">%s</text>\n", w, w, top,
		      top + (int) ncat * row, w, top + (int) ncat * row + 16,
		      num(n1, sizeof(n1), x));
    }
    if (ncat == 0)
	cm_buf_printf(b, "<text x=\"%d\" y=\"%d\">(none)</text>\n", left + 8,
		      top + 18);
    for (i = 0; i < ncat; i++) {
	w = val[i] / max * (W - left - right);
	cm_buf_printf(b, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">",
		      left - 8, top + (int) i * row + 17);
	page_text(b, cat[i]);
	cm_buf_printf(b, "</text><rect x=\"%d\" y=\"%d\" width=\"%.1f\" "
		      "height=\"%d\" fill=\"%s\"><title>", left,
		      top + (int) i * row + 4, w, row - 8, colour);
	page_text(b, cat[i]);
	cm_buf_printf(b, " %s</title></rect><text x=\"%.1f\" y=\"%d\">%s"
		      "</text>\n", num(n1, sizeof(n1), val[i]), left + w + 6,
		      top + (int) i * row + 17, n1);
    }
    cm_buf_printf(b, "<line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
		  "stroke=\"#333333\"/>\n<text x=\"%d\" y=\"%d\" "
		  "text-anchor=\"middle\">", left, left, top,
		  top + (int) ncat * row, left + (W - left - right) / 2,
		  height - 6);
    page_text(b, xlabel);
    cm_buf_adds(b, "</text>\n</svg>\n");
}
