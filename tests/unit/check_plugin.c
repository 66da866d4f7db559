/*++
/* NAME
/*	check_plugin 1
/* SUMMARY
/*	plugin loader and host tests, with a real Redis
/* DESCRIPTION
/*	The loader must refuse, naming the plugin and the line, what the
/*	daemon cannot run with: a missing file, a shared object without
/*	the descriptor, another API version, a file that others may
/*	change, an undeclared option, a failed init (the dkim plugin: a KeyFile line whose key cannot be
/*	decoded). The fixture plugins are built by make check
/*	(tests/unit/plugin_fixture.c; $CM_BUILDDIR/tests/unit/.libs).
/*
/*	The host tests drive the engine with the fixture plugin loaded,
/*	as libmilter would, with the recording MTA of mta_record.c and
/*	the redis-server of tests/lib/redis.sh: a veto at end of message
/*	rejects recipients already accepted at RCPT, a marketing-only
/*	veto spares a service campaign, a failing hook tempfails with
/*	"plugin-error" (a failed connect hook: every message of the
/*	session), set_campaign() makes ordinary mail a campaign,
/*	audit keys and headers arrive where they should.
/* LICENSE
/*	BSD 3-Clause licence, see the file LICENSE.
/*	Copyright (c) 2026 the consent-milter authors.
/*--*/

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "engine.h"
#include "mta_record.h"
#include "plugin.h"

static char libdir[512];
static char audit_path[512];
static cm_config cfg;
static cm_engine eng;
static cm_plugins *plugins;
static mta_record mta;

/* load - parse a configuration and load its plugins; NULL and err on failure */

static cm_plugins *load(const char *text, char *err, size_t errlen)
{
    cm_plugins *set;

    cm_config_init(&cfg);
    ck_assert_msg(cm_config_parse(&cfg, "test.conf", text, err, errlen) == 0,
		  "config: %s", err);
    cfg.file = strdup("test.conf");	/* as cm_config_load() would */
    set = cm_plugins_load(&cfg, libdir, err, errlen);
    if (set == 0)
	cm_config_free(&cfg);
    return (set);
}

/* refused - loading must fail with this text in the error */

static void refused(const char *text, const char *want)
{
    char    err[1024];

    err[0] = 0;
    ck_assert_ptr_null(load(text, err, sizeof(err)));
    ck_assert_msg(strstr(err, want) != 0, "got \"%s\", want \"%s\"", err,
		  want);
}

static void setup_dirs(void)
{
    const char *build = getenv("CM_BUILDDIR");

    ck_assert_msg(build != 0, "run me from make check (CM_BUILDDIR)");
    (void) snprintf(libdir, sizeof(libdir), "%s/tests/unit/.libs", build);
}

START_TEST(missing_file)
{
    refused("Plugin fixture /nonexistent/fixture.so\n",
	    "test.conf:1: Plugin: plugin \"fixture\": /nonexistent/fixture.so:"
	    " No such file or directory");
}
END_TEST

START_TEST(no_descriptor)
{
    refused("Plugin nodesc fixture_nodesc.so\n",
	    "test.conf:1: Plugin: plugin \"nodesc\": ");
    refused("Plugin nodesc fixture_nodesc.so\n",
	    "fixture_nodesc.so is not a consent-milter plugin "
	    "(no consent_milter_plugin descriptor)");
}
END_TEST

START_TEST(wrong_api)
{
    refused("# comment\nPlugin old fixture_badapi.so\n",
	    "test.conf:2: Plugin: plugin \"old\": built for plugin API "
	    "version 99, but this consent-milter has version 1: rebuild "
	    "the plugin");
}
END_TEST

START_TEST(failed_init)
{
    refused("Plugin fixture fixture.so\nfixture.FailInit no key here\n",
	    "test.conf:1: Plugin: plugin \"fixture\": cannot start: "
	    "no key here");
}
END_TEST

START_TEST(unknown_option)
{
    refused("Plugin fixture fixture.so\nfixture.Veto x\nfixture.Bogus 1\n",
	    "test.conf:3: fixture.Bogus: unknown option of plugin "
	    "\"fixture\" (it knows: FailInit, Veto, Scope, Campaign, "
	    "Campaign2, Fail, Header)");
}
END_TEST

START_TEST(second_plugin_fails)
{
    /* The first one loaded fine; the second stops everything. */
    refused("Plugin fixture fixture.so\nPlugin old fixture_badapi.so\n",
	    "test.conf:2: Plugin: plugin \"old\"");
}
END_TEST

/* key_file_refused - the dkim plugin with this KeyFile must not start */

static void key_file_mode_refused(const char *keys, mode_t mode,
				          const char *want)
{
    const char *tmp = getenv("CM_TEST_TMPDIR");
    const char *pdir = getenv("CM_PLUGINDIR");
    char    path[512];
    char    text[2048];
    char    full[1024];
    FILE   *fp;

    ck_assert_msg(tmp != 0 && pdir != 0, "run me from make check");
    (void) snprintf(path, sizeof(path), "%s/dkim-keys.txt", tmp);
    ck_assert_ptr_nonnull(fp = fopen(path, "w"));
    ck_assert_int_ge(fputs(keys, fp), 0);
    ck_assert_int_eq(fclose(fp), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
    (void) snprintf(text, sizeof(text), "Plugin dkim %s/dkim.so\n"
		    "dkim.TrustedDomains org.example\ndkim.KeyFile %s\n",
		    pdir, path);
    (void) snprintf(full, sizeof(full), "cannot start: dkim.KeyFile %s%s",
		    path, want);
    refused(text, full);
}

static void key_file_refused(const char *keys, const char *want)
{
    key_file_mode_refused(keys, 0644, want);
}

START_TEST(dkim_key_file)
{
    /*
     * A key that cannot be decoded fails every signature it should
     * verify: every campaign message would be refused for good, while
     * the start said nothing. It is refused at start, with the line.
     */
    key_file_refused("# offline keys\n\n"
		     "s1._domainkey.org.example v=DKIM1; k=rsa; p=MIIBIjAN\n"
		     "s2._domainkey.org.example v=DKIM1; k=rsa; p=MIIB!jAN\n",
		     ":4: p= is not base64");
    key_file_refused("s1._domainkey.org.example v=DKIM1; k=rsa; p=MIIBIjA\n",
		     ":1: p= is not base64");
    key_file_refused("s1._domainkey.org.example v=DKIM1; k=rsa; p=MI=BIjAN\n",
		     ":1: p= is not base64");
    key_file_refused("s1._domainkey.org.example v=DKIM1; k=rsa\n",
		     ":1: no p= tag (the public key)");
    key_file_refused("s1._domainkey.org.example\n",
		     ":1: no key record after the name");

    /* A non-breaking space (cp1252 0xa0) where a space should be. */
    key_file_refused("s1._domainkey.org.example\xa0v=DKIM1; k=rsa; "
		     "p=MIIBIjAN\n", ":1: the name is not selector."
		     "_domainkey.domain in letters, digits, '.', '-' and '_'");

    /*
     * The keys decide whose signatures vouch for a campaign: a file
     * that any local user may add a key to lets anyone sign as a
     * trusted domain.
     */
    key_file_mode_refused("s1._domainkey.org.example v=DKIM1; k=rsa; "
			  "p=MIIBIjAN\n", 0646, ": writable by others "
			  "(mode 0646): run chmod o-w on it");
}
END_TEST

/* copy_file - copy a file, for a plugin in a place of the test's choosing */

static void copy_file(const char *from, const char *to)
{
    char    buf[8192];
    FILE   *in;
    FILE   *out;
    size_t  n;

    ck_assert_ptr_nonnull(in = fopen(from, "rb"));
    ck_assert_ptr_nonnull(out = fopen(to, "wb"));
    while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
	ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    (void) fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

START_TEST(unsafe_file)
{
    const char *tmp = getenv("CM_TEST_TMPDIR");
    char    dir[512];
    char    so[600];
    char    src[600];
    char    text[1024];
    char    err[1024];
    cm_plugins *set;

    /*
     * The shared object runs as root: one that another user may write,
     * or replace through its directory, is that user's code as root.
     */
    ck_assert_msg(tmp != 0, "run me from make check");
    (void) snprintf(dir, sizeof(dir), "%s/plugdir", tmp);
    (void) snprintf(so, sizeof(so), "%s/fixture.so", dir);
    (void) snprintf(src, sizeof(src), "%s/fixture.so", libdir);
    (void) snprintf(text, sizeof(text), "Plugin fixture %s\n", so);
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    copy_file(src, so);
    ck_assert_int_eq(chmod(so, 0646), 0);
    refused(text, "fixture.so: writable by others (mode 0646): run chmod "
	    "o-w on it");
    ck_assert_int_eq(chmod(so, 0644), 0);
    ck_assert_int_eq(chmod(dir, 0777), 0);
    refused(text, "fixture.so: in a directory that others may write");

    /* The sticky bit keeps others from replacing what is not theirs. */
    ck_assert_int_eq(chmod(dir, 01777), 0);
    set = load(text, err, sizeof(err));
    ck_assert_msg(set != 0, "%s", err);
    cm_plugins_unload(set);
    cm_config_free(&cfg);
}
END_TEST

START_TEST(loads_from_libdir)
{
    char    err[1024];
    cm_plugins *set = load("Plugin fixture fixture.so\n", err, sizeof(err));

    ck_assert_msg(set != 0, "%s", err);
    ck_assert_uint_eq(set->count, 1);
    ck_assert_str_eq(set->slot[0].desc->name, "fixture");
    ck_assert_uint_eq(set->flags & CM_PLUGIN_WANT_BODY, CM_PLUGIN_WANT_BODY);
    cm_plugins_unload(set);
    cm_config_free(&cfg);
}
END_TEST

/* --- the engine with a plugin ------------------------------------------ */

/* redis_do - run one seeding command */

static void redis_do(redisContext *c, const char *cmd)
{
    redisReply *r = redisCommand(c, cmd);

    ck_assert_ptr_nonnull(r);
    ck_assert_int_ne(r->type, REDIS_REPLY_ERROR);
    freeReplyObject(r);
}

/* start - engine with the fixture plugin and these options */

static void start(const char *options)
{
    const char *sock = getenv("CM_TEST_REDIS_SOCK");
    const char *tmp = getenv("CM_TEST_TMPDIR");
    char    text[2048];
    char    err[1024];
    char    cmd[256];
    redisContext *c;

    ck_assert_msg(sock != 0 && tmp != 0, "run me under tests/lib/redis.sh");
    (void) snprintf(audit_path, sizeof(audit_path), "%s/plugin-audit.log",
		    tmp);
    (void) unlink(audit_path);
    (void) snprintf(text, sizeof(text), "Redis unix:%s\nAuditLog %s\n"
		    "Plugin fixture fixture.so\n%s", sock, audit_path, options);
    ck_assert_ptr_nonnull(plugins = load(text, err, sizeof(err)));
    memset(&eng, 0, sizeof(eng));
    eng.cfg = &cfg;
    eng.ops = &mta_record_ops;
    eng.plugins = plugins;
    ck_assert_ptr_nonnull(eng.store = cm_store_create(&cfg, err, sizeof(err)));
    ck_assert_ptr_nonnull(eng.audit = cm_audit_open(cfg.audit_log, 0, err,
						    sizeof(err)));
    memset(&mta, 0, sizeof(mta));

    c = redisConnectUnix(sock);
    ck_assert(c != 0 && c->err == 0);
    redis_do(c, "FLUSHALL");
    redis_do(c, "HSET cm:campaign:spring purpose newsletter status active");
    redis_do(c, "HSET cm:campaign:receipts purpose orders status active "
	     "basis service");
    redis_do(c, "SET cm:sender:news@org.example spring");
    (void) snprintf(cmd, sizeof(cmd), "HSET cm:consent:alice@example.org "
		    "newsletter granted newsletter:at %ld", (long) time(0));
    redis_do(c, cmd);
    redis_do(c, "HSET cm:consent:bob@example.org newsletter withdrawn");
    redisFree(c);
}

static void stop(void)
{
    cm_audit_close(eng.audit);
    cm_store_destroy(eng.store);
    cm_plugins_unload(plugins);
    cm_config_free(&cfg);
    mta_record_reset(&mta);
}

/* audit_text - the whole audit file */

static const char *audit_text(void)
{
    static char buf[65536];
    FILE   *fp = fopen(audit_path, "r");
    size_t  n = 0;

    if (fp != 0) {
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	(void) fclose(fp);
    }
    buf[n] = 0;
    return (buf);
}

#define AUDIT_HAS(text) \
    ck_assert_msg(strstr(audit_text(), (text)) != 0, "audit lacks %s:\n%s", \
		  (text), audit_text())

START_TEST(veto_after_rcpt)
{
    cm_session *s;

    start("fixture.Veto no-opt-out-address\n");
    s = cm_session_new(&eng, 0);
    ck_assert_int_eq(cm_on_mail(s, &mta, "<news@org.example>", 0),
		     CM_REPLY_CONTINUE);
    ck_assert_int_eq(cm_on_rcpt(s, &mta, "<alice@example.org>"),
		     CM_REPLY_CONTINUE);
    cm_on_body(s, &mta, (const unsigned char *) "0123456789", 10);
    mta.qid = "QV";
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_REJECT);
    ck_assert_str_eq(mta.rcode, "550");
    ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
		     "no-opt-out-address (campaign spring)");
    AUDIT_HAS("\"qid\":\"QV\"");
    AUDIT_HAS("\"decision\":\"deny\",\"reason\":\"no-opt-out-address\","
	      "\"action\":\"reject\"");
    AUDIT_HAS("\"plugins\":{\"fixture\":{\"body\":\"10\"}}");
    cm_session_free(s);
    stop();
}
END_TEST

START_TEST(veto_marketing_spares_service)
{
    cm_session *s;

    start("fixture.Veto no-opt-out-address\nfixture.Scope marketing\n");
    s = cm_session_new(&eng, 0);
    (void) cm_on_mail(s, &mta, "<shop@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<carol@example.org>");
    cm_on_header(s, &mta, "X-Campaign-ID", "receipts");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    AUDIT_HAS("\"decision\":\"allow\",\"reason\":\"service\"");
    mta_record_reset(&mta);

    /* The same veto on a consent campaign denies. */
    (void) cm_on_mail(s, &mta, "<shop@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_REJECT);
    ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
		     "no-opt-out-address (campaign spring)");
    cm_session_free(s);
    stop();
}
END_TEST

START_TEST(failing_hook_tempfails)
{
    cm_session *s;

    start("fixture.Fail eom\n");
    s = cm_session_new(&eng, 0);
    (void) cm_on_mail(s, &mta, "<shop@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_TEMPFAIL);
    ck_assert_str_eq(mta.rcode, "451");
    ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
		     "plugin-error (campaign spring)");
    AUDIT_HAS("\"decision\":\"tempfail\",\"reason\":\"plugin-error\"");
    cm_session_free(s);
    stop();
}
END_TEST

START_TEST(failing_connect_tempfails)
{
    cm_session *s;
    int     i;

    /*
     * The connect hook runs before any message; its failure must not be
     * forgotten when the first message starts (it was: MAIL reset it).
     * The check of the client was made for none of the session's
     * messages, so each of them is deferred.
     */
    start("fixture.Fail connect\n");
    s = cm_session_new(&eng, 0);
    cm_on_connect(s, &mta, "client.example", "192.0.2.7");
    for (i = 0; i < 2; i++) {
	mta_record_reset(&mta);
	(void) cm_on_mail(s, &mta, "<shop@org.example>", 0);
	(void) cm_on_rcpt(s, &mta, "<alice@example.org>");
	cm_on_header(s, &mta, "X-Campaign-ID", "spring");
	ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_TEMPFAIL);
	ck_assert_str_eq(mta.rcode, "451");
	ck_assert_str_eq(mta.text, "<alice@example.org>: not sent: "
			 "plugin-error (campaign spring)");
    }
    AUDIT_HAS("\"decision\":\"tempfail\",\"reason\":\"plugin-error\"");
    cm_session_free(s);
    stop();
}
END_TEST

START_TEST(set_campaign_and_header)
{
    cm_session *s;

    start("fixture.Campaign spring\nfixture.Header yes\n");
    s = cm_session_new(&eng, 0);

    /* No campaign header, no sender mapping: the plugin names it. */
    (void) cm_on_mail(s, &mta, "<someone@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    (void) cm_on_rcpt(s, &mta, "<bob@example.org>");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    ck_assert_int_eq(mta.ndeleted, 1);
    ck_assert_str_eq(mta.deleted[0], "<bob@example.org>");
    ck_assert_int_eq(mta.nheaders, 2);
    ck_assert_str_eq(mta.headers[0], "X-Consent-Milter: campaign=spring; "
		     "mode=enforce");
    ck_assert_str_eq(mta.headers[1], "X-Fixture: rcpts=2");
    AUDIT_HAS("\"plugins\":{\"fixture\":{\"body\":\"0\",\"campaign\":"
	      "\"spring\",\"campaign_auth\":\"fixture\"}}");
    AUDIT_HAS("\"campaign\":\"spring\",\"purpose\":\"newsletter\"");
    cm_session_free(s);
    stop();
}
END_TEST

/* A plugin that names a campaign twice: one key, no stale "how". */

START_TEST(set_campaign_twice)
{
    cm_session *s;

    start("fixture.Campaign receipts\nfixture.Campaign2 spring\n");
    s = cm_session_new(&eng, 0);
    (void) cm_on_mail(s, &mta, "<someone@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    AUDIT_HAS("\"plugins\":{\"fixture\":{\"body\":\"0\",\"campaign\":"
	      "\"spring\"}}");
    AUDIT_HAS("\"campaign\":\"spring\",\"purpose\":\"newsletter\"");
    cm_session_free(s);
    stop();
}
END_TEST

START_TEST(no_stale_plugin_state)
{
    cm_session *s;

    start("fixture.Header yes\n");
    s = cm_session_new(&eng, 0);
    (void) cm_on_mail(s, &mta, "<shop@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    cm_on_body(s, &mta, (const unsigned char *) "abc", 3);
    cm_session_abort(s);

    /* The aborted message's body count must not leak into this one. */
    (void) cm_on_mail(s, &mta, "<shop@org.example>", 0);
    (void) cm_on_rcpt(s, &mta, "<alice@example.org>");
    cm_on_header(s, &mta, "X-Campaign-ID", "spring");
    ck_assert_int_eq(cm_on_eom(s, &mta), CM_REPLY_ACCEPT);
    AUDIT_HAS("\"plugins\":{\"fixture\":{\"body\":\"0\"}}");
    ck_assert_str_eq(mta.headers[1], "X-Fixture: rcpts=1");
    cm_session_free(s);
    stop();
}
END_TEST

int     main(void)
{
    Suite  *suite = suite_create("plugin");
    TCase  *load_tc = tcase_create("load");
    TCase  *host_tc = tcase_create("host");
    SRunner *sr;
    int     failed;

    tcase_add_unchecked_fixture(load_tc, setup_dirs, 0);
    tcase_add_test(load_tc, missing_file);
    tcase_add_test(load_tc, no_descriptor);
    tcase_add_test(load_tc, wrong_api);
    tcase_add_test(load_tc, failed_init);
    tcase_add_test(load_tc, unknown_option);
    tcase_add_test(load_tc, second_plugin_fails);
    tcase_add_test(load_tc, loads_from_libdir);
    tcase_add_test(load_tc, dkim_key_file);
    tcase_add_test(load_tc, unsafe_file);
    suite_add_tcase(suite, load_tc);
    tcase_add_unchecked_fixture(host_tc, setup_dirs, 0);
    tcase_add_test(host_tc, veto_after_rcpt);
    tcase_add_test(host_tc, veto_marketing_spares_service);
    tcase_add_test(host_tc, failing_hook_tempfails);
    tcase_add_test(host_tc, failing_connect_tempfails);
    tcase_add_test(host_tc, set_campaign_and_header);
    tcase_add_test(host_tc, set_campaign_twice);
    tcase_add_test(host_tc, no_stale_plugin_state);
    suite_add_tcase(suite, host_tc);
    sr = srunner_create(suite);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed == 0 ? 0 : 1);
}
