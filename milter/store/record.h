#ifndef CM_RECORD_H
#define CM_RECORD_H

/*++
/* NAME
/*	record 3h
/* SUMMARY
/*	the consent store's records, from Redis replies
/* SYNOPSIS
/*	#include "record.h"
/*
/*	cm_record_campaign(), cm_record_suppress(), cm_record_consent():
/*	the consent store's records, from Redis replies;
/*	cm_record_state(): a stored state of a purpose.
/* DESCRIPTION
/*	See record.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "policy.h"

extern int cm_record_campaign(const redisReply *r, cm_campaign *camp,
			              char *why, size_t whylen);
extern void cm_record_suppress(const redisReply *r, cm_rcpt_record *f);
extern void cm_record_consent(const redisReply *r, const char *purpose,
			              cm_rcpt_record *f);
extern int cm_record_state(const redisReply *r, cm_consent_state *state);

#endif
