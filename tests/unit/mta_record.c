/* SPDX-License-Identifier: BSD-3-Clause; Copyright (c) 2026 the consent-milter authors. */
/*
 * mta_record - a recording MTA for the engine tests (see mta_record.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mta_record.h"

/* failing - count one call of op; should it fail? */

static int failing(mta_record *m, int op)
{
    m->calls[op]++;
    return (m->fail_at[op] > 0 && m->calls[op] >= m->fail_at[op]);
}

static int rec_setreply(void *mta, const char *rcode, const char *xcode,
			        const char *text)
{
    mta_record *m = mta;

    if (failing(m, MTA_SETREPLY))
	return (-1);
    (void) snprintf(m->rcode, sizeof(m->rcode), "%s", rcode);
    (void) snprintf(m->xcode, sizeof(m->xcode), "%s", xcode);
    (void) snprintf(m->text, sizeof(m->text), "%s", text);
    return (0);
}

static int rec_delrcpt(void *mta, const char *rcpt)
{
    mta_record *m = mta;

    if (failing(m, MTA_DELRCPT) || m->ndeleted >= MTA_RECORD_MAX)
	return (-1);
    m->deleted[m->ndeleted++] = strdup(rcpt);
    return (0);
}

static int rec_addheader(void *mta, const char *name, const char *value)
{
    mta_record *m = mta;
    char    buf[2048];

    if (failing(m, MTA_ADDHEADER) || m->nheaders >= MTA_RECORD_MAX)
	return (-1);
    (void) snprintf(buf, sizeof(buf), "%s: %s", name, value);
    m->headers[m->nheaders++] = strdup(buf);
    return (0);
}

static int rec_insheader(void *mta, int index, const char *name,
			         const char *value)
{
    mta_record *m = mta;
    char    buf[2048];

    if (failing(m, MTA_INSHEADER) || m->ninserted >= MTA_RECORD_MAX)
	return (-1);
    (void) snprintf(buf, sizeof(buf), "%d %s: %s", index, name, value);
    m->inserted[m->ninserted++] = strdup(buf);
    return (0);
}

static int rec_delheader(void *mta, const char *name, int index)
{
    mta_record *m = mta;
    char    buf[2048];

    if (failing(m, MTA_DELHEADER) || m->nremoved >= MTA_RECORD_MAX)
	return (-1);
    (void) snprintf(buf, sizeof(buf), "%d %s", index, name);
    m->removed[m->nremoved++] = strdup(buf);
    return (0);
}

static int rec_quarantine(void *mta, const char *reason)
{
    mta_record *m = mta;

    if (failing(m, MTA_QUARANTINE))
	return (-1);
    (void) snprintf(m->quarantine, sizeof(m->quarantine), "%s", reason);
    return (0);
}

static const char *rec_getsymval(void *mta, const char *name)
{
    mta_record *m = mta;

    if (strcmp(name, "i") == 0)
	return (m->qid);
    if (strcmp(name, "{auth_authen}") == 0)
	return (m->auth);
    return (0);
}

void    mta_record_reset(mta_record *m)
{
    int     i;

    for (i = 0; i < m->ndeleted; i++)
	free(m->deleted[i]);
    for (i = 0; i < m->nheaders; i++)
	free(m->headers[i]);
    for (i = 0; i < m->ninserted; i++)
	free(m->inserted[i]);
    for (i = 0; i < m->nremoved; i++)
	free(m->removed[i]);
    memset(m, 0, sizeof(*m));
}

const cm_mta_ops mta_record_ops = {
    rec_setreply, rec_delrcpt, rec_addheader, rec_quarantine, rec_getsymval,
    rec_insheader, rec_delheader,
};
