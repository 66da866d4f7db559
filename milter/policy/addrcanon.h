#ifndef CM_ADDRCANON_H
#define CM_ADDRCANON_H

/*++
/* NAME
/*	addrcanon 3h
/* SUMMARY
/*	an envelope sender as the MTA will use it
/* SYNOPSIS
/*	#include "addrcanon.h"
/*
/*	cm_addr_canonical(): source route, trailing dot and needless
/*	quotes removed, then normalised (address(3)).
/* DESCRIPTION
/*	See addrcanon.c. A pure function: no I/O, no state.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include "address.h"

extern cm_addr_status cm_addr_canonical(const char *src, size_t len,
					        char *out, size_t outsz);

#endif
