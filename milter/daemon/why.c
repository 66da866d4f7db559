/*++
/* NAME
/*	why 3
/* SUMMARY
/*	LogWhy: one log line per decision, explaining it
/* SYNOPSIS
/*	#include "why.h"
/*
/*	void	cm_why_log(qid, rcpt, campaign, v, action, mode)
/*	const char *qid;
/*	const char *rcpt;
/*	const char *campaign;
/*	const cm_verdict *v;
/*	cm_action action;
/*	cm_mode	mode;
/* DESCRIPTION
/*	With "LogWhy yes" (as opendkim's LogWhy), the daemon logs one line
/*	per recipient decision, in words, with the row of the decision
/*	table (DESIGN.md section 5) that decided:
/*
/*	QID: why: RCPT campaign=ID decision=deny action=reject
/*	mode=enforce: row 13: no consent on record for the campaign's
/*	purpose
/*
/*	RCPT is the audit trail's label (pseudonymised with LogAddresses
/*	pseudonymised). The audit trail stays the record; this is for the
/*	administrator reading the mail log.
/* DIAGNOSTICS
/*	None.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>
#include <syslog.h>

/* Application-specific. */

#include "buf.h"
#include "escape.h"
#include "log.h"
#include "why.h"

/* row_text - what one row of the decision table means */

static const char *row_text(int row)
{
    switch (row) {
    case 1:
	return ("the consent store (or a plugin) could not be asked; OnError decides");
    case 2:
	return ("no campaign and not bulk: not marketing");
    case 3:
	return ("no campaign, but bulk (many recipients or a bulk marker); UnidentifiedBulk decides");
    case 4:
	return ("the campaign id is malformed");
    case 5:
	return ("the campaign is not registered");
    case 6:
	return ("the campaign is closed");
    case 7:
	return ("the campaign is paused");
    case 8:
	return ("the sender or login is not among the campaign's senders");
    case 9:
	return ("a plugin vetoed the message");
    case 10:
	return ("the campaign's basis is service: no consent needed");
    case 11:
	return ("the recipient address cannot be parsed");
    case 12:
	return ("the recipient is suppressed");
    case 13:
	return ("no consent on record for the campaign's purpose");
    case 14:
	return ("consent for the campaign's purpose was withdrawn");
    case 15:
	return ("consent is older than the campaign's max_age_days");
    case CM_ROW_16A:
	return ("consent is dated in the future: written by a broken tool");
    case 16:
	return ("consent granted for the campaign's purpose");
    default:
	return ("decided before the decision table (a limit of the daemon)");
    }
}

/* cm_why_log - log why one recipient got its decision */

void    cm_why_log(const char *qid, const char *rcpt, const char *campaign,
		           const cm_verdict *v, cm_action action, cm_mode mode)
{
    cm_buf  line = CM_BUF_INIT;

    /* Everything from the message passes the log-safe escaper. */
    if (qid == 0)
	qid = "NOQUEUE";
    cm_buf_add_safe(&line, qid, strlen(qid));
    cm_buf_adds(&line, ": why: ");
    if (rcpt != 0)
	cm_buf_add_safe(&line, rcpt, strlen(rcpt));
    cm_buf_adds(&line, " campaign=");
    if (campaign != 0)
	cm_buf_add_safe(&line, campaign, strlen(campaign));
    else
	cm_buf_adds(&line, "none");
    cm_buf_adds(&line, " decision=");
    cm_buf_adds(&line, cm_decision_name(v->decision));
    if (v->reason != 0) {
	cm_buf_adds(&line, " reason=");
	cm_buf_adds(&line, v->reason);
    }
    cm_buf_adds(&line, " action=");
    cm_buf_adds(&line, cm_action_name(action));
    cm_buf_adds(&line, " mode=");
    cm_buf_adds(&line, cm_mode_name(mode));
    cm_buf_adds(&line, ": ");
    if (v->row > 0) {
	cm_buf_adds(&line, "row ");
	if (v->row == CM_ROW_16A)
	    cm_buf_adds(&line, "16a");
	else
	    cm_buf_add_uint(&line, (unsigned) v->row);
	cm_buf_adds(&line, ": ");
    }
    cm_buf_adds(&line, row_text(v->row));
    if (!line.oom)
	cm_log_text(LOG_INFO, line.data, line.len);
    cm_buf_free(&line);
}
