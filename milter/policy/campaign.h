#ifndef CM_CAMPAIGN_H
#define CM_CAMPAIGN_H

/*++
/* NAME
/*	campaign 3h
/* SUMMARY
/*	campaign identification from message headers
/* SYNOPSIS
/*	#include "campaign.h"
/*
/*	cm_campaign_from_header(), cm_header_is_bulk(): campaign and bulk
/*	from headers; cm_campaign_id_valid(), cm_purpose_valid(): syntax.
/* DESCRIPTION
/*	See campaign.c. Pure functions: no I/O.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#define CM_CAMPAIGN_ID_MAX	128	/* DESIGN.md section 3 */
#define CM_PURPOSE_MAX		64

extern int cm_campaign_id_valid(const char *id);
extern int cm_purpose_valid(const char *purpose);
extern int cm_campaign_from_header(const char *header_name,
			        const char *value, char *out, size_t outsz);
extern int cm_header_is_bulk(const char *name, const char *value);

#endif
