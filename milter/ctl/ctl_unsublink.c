/*++
/* NAME
/*	ctl_unsublink 3
/* SUMMARY
/*	consentctl unsubscribe-link: the relay's opt-out for one person
/* SYNOPSIS
/*	#include "ctl.h"
/*
/*	int	ctl_unsubscribe_link(c, argc, argv)
/*	ctl	*c;
/*	int	argc;
/*	char	**argv;
/*
/*	cm_token_keys *ctl_token_keys(c)
/*	ctl	*c;
/* DESCRIPTION
/*	ctl_unsubscribe_link() implements "unsubscribe-link ADDRESS
/*	CAMPAIGN [--header]": it prints the opt-out that the daemon
/*	would add to a message of that campaign to that person (DESIGN.md
/*	section 14): the https: form (UnsubscribeURL followed by the
/*	token) on one line and the mailto: form (unsubscribe+TOKEN@
/*	UnsubscribeMailto) on the next, each only when configured. With
/*	--header it prints the two header lines instead, as the daemon
/*	inserts them. Admins use it to answer "what does the link in
/*	this person's mail do", tests to click it. It writes nothing.
/*
/*	ctl_token_keys() loads UnsubscribeKeyFile (mode-checked, like the
/*	daemon does), or says why not and returns NULL.
/* DIAGNOSTICS
/*	Exit status: 0 printed, 64 usage, 65 a bad address, no such
/*	record or campaign, or one without its opt-out reference (the
/*	message names "consentctl unsubscribe-refs"), or no key file; 69
/*	the store is unavailable.
/* SEE ALSO
/*	optout(3), cm_optout_token(); unsubtoken(3).
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

/* System library. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Application-specific. */

#include "address.h"
#include "ctl.h"
#include "optout.h"
#include "unsubtoken.h"

#define USAGE_LINK	"unsubscribe-link ADDRESS CAMPAIGN [--header]"

/* ctl_token_keys - UnsubscribeKeyFile, loaded and checked */

cm_token_keys *ctl_token_keys(ctl *c)
{
    cm_token_keys *keys;
    char    err[512];

    if (c->cfg.unsubscribe_key_file == 0) {
	ctl_error(c, "%s: UnsubscribeKeyFile is not set", c->config_file);
	return (0);
    }
    if ((keys = cm_token_keys_load(c->cfg.unsubscribe_key_file, err,
				   sizeof(err))) == 0)
	ctl_error(c, "%s", err);
    return (keys);
}

/* ctl_unsubscribe_link - print the opt-out of one person and campaign */

int     ctl_unsubscribe_link(ctl *c, int argc, char **argv)
{
    char    norm[CM_ID_SIZE], id[CM_ID_SIZE], tok[CM_TOKEN_SIZE], why[512];
    cm_token_keys *keys;
    cm_buf  b = CM_BUF_INIT;
    int     header = 0, st;

    if (argc == 4 && strcmp(argv[3], "--header") == 0)
	header = 1, argc--;
    if (argc != 3)
	return (ctl_usage(c, USAGE_LINK));
    if (!cm_campaign_id_valid(argv[2])) {
	ctl_error(c, "campaign id \"%s\": must be 1 to %d of A-Z a-z 0-9 . _ : -",
		  ctl_text(&b, argv[2]), CM_CAMPAIGN_ID_MAX);
	cm_buf_free(&b);
	return (CTL_EX_DATAERR);
    }
    if ((st = ctl_record_id(c, argv[1], norm, sizeof(norm), id,
			    sizeof(id))) != 0)
	return (st);
    if (c->cfg.unsubscribe_url == 0 && c->cfg.unsubscribe_mailto == 0) {
	ctl_error(c, "%s: neither UnsubscribeURL nor UnsubscribeMailto is set",
		  c->config_file);
	return (CTL_EX_DATAERR);
    }
    if ((keys = ctl_token_keys(c)) == 0)
	return (CTL_EX_DATAERR);
    st = cm_optout_token(ctl_redis(c), c->cfg.key_prefix, keys, id, argv[2],
			 tok, sizeof(tok), why, sizeof(why));
    cm_token_keys_free(keys);
    if (st != 0) {
	ctl_error(c, "%s, campaign %s: %s", ctl_text(&b, norm), argv[2], why);
	cm_buf_free(&b);
	return (st < 0 ? CTL_EX_UNAVAILABLE : CTL_EX_DATAERR);
    }
    if (header) {
	cm_buf_adds(&b, "List-Unsubscribe: ");
	cm_token_list_unsubscribe(&b, c->cfg.unsubscribe_url,
				  c->cfg.unsubscribe_mailto, tok);
	printf("%s\n", cm_buf_str(&b));
	if (c->cfg.unsubscribe_url)
	    printf("List-Unsubscribe-Post: " CM_TOKEN_POST_VALUE "\n");
    } else {
	if (c->cfg.unsubscribe_url)
	    printf("%s%s\n", c->cfg.unsubscribe_url, tok);
	if (c->cfg.unsubscribe_mailto)
	    printf("mailto:" CM_TOKEN_LOCAL_PREFIX "%s@%s\n", tok,
		   c->cfg.unsubscribe_mailto);
    }
    cm_buf_free(&b);
    return (CTL_EX_OK);
}
