/*++
/* NAME
/*	schema 3
/* SUMMARY
/*	the consent states of the Redis key layout
/* SYNOPSIS
/*	#include "schema.h"
/*
/*	int	cm_consent_state_parse(word, len, state)
/*	const char *word;
/*	size_t	len;
/*	cm_consent_state *state;
/*
/*	const char *cm_consent_state_word(state)
/*	cm_consent_state state;
/*
/*	int	cm_consent_field_is_purpose(name, len)
/*	const char *name;
/*	size_t	len;
/* DESCRIPTION
/*	schema.h names the keys, fields and words of DESIGN.md section 3.
/*	This module is the one reader of the state of a purpose, so that
/*	the daemon, export and consentctl agree on what counts.
/*
/*	cm_consent_state_parse() reads the len bytes at word (not
/*	necessarily null-terminated): "granted" or "withdrawn", exactly,
/*	sets *state and returns 0. Anything else returns -1 and leaves
/*	*state alone: an unknown state must never read as "none".
/*
/*	cm_consent_state_word() is the word stored for a state, or a null
/*	pointer for CM_CONSENT_NONE (no such field).
/*
/*	cm_consent_field_is_purpose() says whether a field of a consent
/*	hash (len bytes at name) names a purpose: not "<purpose>:at" or
/*	":src", not the opt-out reference "#ref". Every reader that walks
/*	a consent hash (export, stats, show, trace) asks it.
/* DIAGNOSTICS
/*	None.
/* SEE ALSO
/*	DESIGN.md section 3, the key layout (a contract).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <string.h>

/* Application-specific. */

#include "schema.h"

/* word_is - len bytes at word are exactly the string want */

static int word_is(const char *word, size_t len, const char *want)
{
    return (len == strlen(want) && memcmp(word, want, len) == 0);
}

/* cm_consent_state_parse - "granted" or "withdrawn" */

int     cm_consent_state_parse(const char *word, size_t len,
			               cm_consent_state *state)
{
    if (word_is(word, len, CM_STATE_GRANTED))
	*state = CM_CONSENT_GRANTED;
    else if (word_is(word, len, CM_STATE_WITHDRAWN))
	*state = CM_CONSENT_WITHDRAWN;
    else
	return (-1);
    return (0);
}

/* cm_consent_state_word - the stored word of a state */

const char *cm_consent_state_word(cm_consent_state state)
{
    switch (state) {
    case CM_CONSENT_GRANTED:
	return (CM_STATE_GRANTED);
    case CM_CONSENT_WITHDRAWN:
	return (CM_STATE_WITHDRAWN);
    case CM_CONSENT_NONE:
    default:
	return (0);
    }
}

/* cm_consent_field_is_purpose - a field of Pconsent:<id> that names a purpose */

int     cm_consent_field_is_purpose(const char *name, size_t len)
{

    /*
     * "<purpose>:at" and ":src" go with a purpose; "#ref" (the opt-out
     * reference) and any other "#" field are the record's own. Neither
     * ':' nor '#' can occur in a purpose name.
     */
    return (len > 0 && name[0] != '#' && memchr(name, ':', len) == 0);
}
