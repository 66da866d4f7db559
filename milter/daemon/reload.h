#ifndef CM_RELOAD_H
#define CM_RELOAD_H

/*++
/* NAME
/*	reload 3h
/* SUMMARY
/*	the running configuration, and SIGUSR1's reload of it
/* SYNOPSIS
/*	#include "reload.h"
/* DESCRIPTION
/*	See reload.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include "config.h"
#include "engine.h"

extern void cm_gen_start(const cm_engine *eng, cm_config *cfg);
extern const cm_engine *cm_gen_hold(void);
extern void cm_gen_release(const cm_engine *eng);
extern int cm_gen_reload(const char *path);
extern void cm_gen_stop(void);

#endif
