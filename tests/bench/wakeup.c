/*++
/* NAME
/*	wakeup 1
/* SUMMARY
/*	what one socket round trip between two processes costs here
/* SYNOPSIS
/*	wakeup [-n round_trips]
/* DESCRIPTION
/*	wakeup measures the price of the wake-ups that every milter
/*	exchange is made of: a parent and a child process pass one byte
/*	back and forth over a unix socket pair, each blocking in read()
/*	until the other writes. It does so twice: with the two processes
/*	pinned to different CPUs, and with both pinned to the first one.
/*	For each it prints the wall time of a round trip and the CPU time
/*	(user plus system) the parent spent per round trip, medians of
/*	five runs.
/*
/*	bench.sh prints its line next to the table: on a virtual machine
/*	a wake-up across CPUs can cost many times what it costs on one,
/*	and a Redis lookup is at least two of them (the milter wakes
/*	Redis, Redis wakes the milter).
/*
/*	Options:
/* .IP "-n round_trips"
/*	Round trips per run (default 20000).
/* DIAGNOSTICS
/*	Exit status 0; 69 when fewer than two CPUs can be used (nothing
/*	is measured); 70 when a system call fails; 64 for bad usage.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE			/* sched_setaffinity() */
#endif
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RUNS	5

/* fail - a system call failed: say which, exit 70 */

static void fail(const char *what)
{
    fprintf(stderr, "wakeup: %s: %s\n", what, strerror(errno));
    exit(70);
}

/* pin - run the calling process on one CPU */

static void pin(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
	fail("sched_setaffinity");
}

/* cpu_us - user plus system time of this process so far, microseconds */

static double cpu_us(void)
{
    struct rusage ru;

    if (getrusage(RUSAGE_SELF, &ru) != 0)
	fail("getrusage");
    return (ru.ru_utime.tv_sec * 1e6 + ru.ru_utime.tv_usec
	    + ru.ru_stime.tv_sec * 1e6 + ru.ru_stime.tv_usec);
}

/* wall_us - a monotonic clock, microseconds */

static double wall_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ts.tv_sec * 1e6 + ts.tv_nsec / 1e3);
}

/* one_run - n round trips, parent on cpu_a, child on cpu_b */

static void one_run(int n, int cpu_a, int cpu_b, double *wall, double *cpu)
{
    int     sv[2];
    char    c = 'x';
    pid_t   pid;
    int     i, status;
    double  w0, c0;

    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
	fail("socketpair");
    if ((pid = fork()) < 0)
	fail("fork");
    if (pid == 0) {
	pin(cpu_b);
	for (i = 0; i < n; i++)
	    if (read(sv[1], &c, 1) != 1 || write(sv[1], &c, 1) != 1)
		_exit(1);
	_exit(0);
    }
    pin(cpu_a);
    w0 = wall_us();
    c0 = cpu_us();
    for (i = 0; i < n; i++)
	if (write(sv[0], &c, 1) != 1 || read(sv[0], &c, 1) != 1)
	    fail("round trip");
    *cpu = (cpu_us() - c0) / n;
    *wall = (wall_us() - w0) / n;
    if (waitpid(pid, &status, 0) != pid)
	fail("waitpid");
    (void) close(sv[0]);
    (void) close(sv[1]);
}

/* cmp_double - qsort order */

static int cmp_double(const void *a, const void *b)
{
    double  x = *(const double *) a, y = *(const double *) b;

    return ((x > y) - (x < y));
}

/* measure - medians of RUNS runs */

static void measure(int n, int cpu_a, int cpu_b, double *wall, double *cpu)
{
    double  w[RUNS], c[RUNS];
    int     i;

    for (i = 0; i < RUNS; i++)
	one_run(n, cpu_a, cpu_b, &w[i], &c[i]);
    qsort(w, RUNS, sizeof(w[0]), cmp_double);
    qsort(c, RUNS, sizeof(c[0]), cmp_double);
    *wall = w[RUNS / 2];
    *cpu = c[RUNS / 2];
}

int     main(int argc, char **argv)
{
    cpu_set_t set;
    int     n = 20000, ch, first = -1, second = -1, i;
    double  wx, cx, w1, c1;

    while ((ch = getopt(argc, argv, "n:")) != -1) {
	if (ch != 'n' || (n = atoi(optarg)) <= 0) {
	    fprintf(stderr, "usage: wakeup [-n round_trips]\n");
	    return (64);
	}
    }
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
	fail("sched_getaffinity");
    for (i = 0; i < CPU_SETSIZE && second < 0; i++)
	if (CPU_ISSET(i, &set)) {
	    if (first < 0)
		first = i;
	    else
		second = i;
	}
    if (second < 0) {
	fprintf(stderr, "wakeup: fewer than two CPUs to run on\n");
	return (69);
    }
    measure(n, first, second, &wx, &cx);
    measure(n, first, first, &w1, &c1);
    printf("socket round trip between two processes (median of %d x %d): "
	   "different CPUs %.1f us, %.1f us CPU on one side; one CPU "
	   "%.1f us, %.1f us CPU\n", RUNS, n, wx, cx, w1, c1);
    return (0);
}
