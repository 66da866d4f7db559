#ifndef CM_UNSUBREF_H
#define CM_UNSUBREF_H

/*++
/* NAME
/*	unsubref 3h
/* SUMMARY
/*	opt-out references: given out by the writers
/* SYNOPSIS
/*	#include "unsubref.h"
/*
/*	cm_unsub_ref_people(), cm_unsub_ref_campaigns(): give references
/*	to records and campaigns that have none; CM_UNSUB_PERSON_LUA: the
/*	writer script's part of it.
/* DESCRIPTION
/*	See unsubref.c.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <stddef.h>

#include <hiredis/hiredis.h>

#include "schema.h"

 /*
  * Lua, for the writer scripts: personref(ck, pfx, id) gives the consent
  * hash ck its reference unless it has one, and returns it and whether
  * it was new. ck must exist (the caller has just written it).
  */
#define CM_UNSUB_PERSON_LUA \
"local function personref(ck, pfx, id)\n" \
"  local r = redis.call('HGET', ck, '" CM_FIELD_REF "')\n" \
"  if r then return r, 0 end\n" \
"  local n = redis.call('INCR', pfx .. '" CM_KEY_UNSUB_SEQ "')\n" \
"  redis.call('HSET', ck, '" CM_FIELD_REF "', n)\n" \
"  redis.call('SET', pfx .. '" CM_KEY_UNSUB_PERSON "' .. n, id)\n" \
"  return n, 1\n" \
"end\n"

/* Outcome per record or campaign. */
typedef enum cm_unsub_ref_result {
    CM_UNSUB_REF_NEW,			/* given a reference now */
    CM_UNSUB_REF_HAD,			/* had one already */
    CM_UNSUB_REF_GONE			/* no such record or campaign */
} cm_unsub_ref_result;

extern int cm_unsub_ref_people(redisContext *c, const char *prefix,
			               const char *const *ids, size_t count,
			               cm_unsub_ref_result *results,
			               unsigned long long *refs,
			               char *err, size_t errlen);
extern int cm_unsub_ref_campaigns(redisContext *c, const char *prefix,
				          const char *const *ids, size_t count,
				          cm_unsub_ref_result *results,
				          unsigned long long *refs,
				          char *err, size_t errlen);

#endif
