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
/*	the consent store's records, from Redis replies.
/* DESCRIPTION
/*	See record.c.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "policy.h"

extern int cm_record_campaign(const redisReply *r, cm_campaign *camp,
			              char *why, size_t whylen);
extern void cm_record_suppress(const redisReply *r, cm_rcpt_facts *f);
extern void cm_record_consent(const redisReply *r, const char *purpose,
			              cm_rcpt_facts *f);

#endif
