/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vzlist --cluster: a CIB and crm_mon's XML of the shapes Pacemaker 2.1
 * writes (a plain CT resource, one in a group, a stopped one, ManageVE, a
 * clone) in, vzlist's rows out; hostile documents (a DTD with entities,
 * external entities, huge attributes, control characters) refused or
 * defused; the programs run without a shell.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>

#include "check.h"
#include "vzlist-cluster.h"

static const char cib[] =
    "<resources>\n"
    /* as cibadmin -Q -o resources printed it in a run of cluster-failover */
    "  <primitive id=\"ct101\" class=\"ocf\" provider=\"vz\" type=\"vz\">\n"
    "    <instance_attributes id=\"ct101-instance_attributes\">\n"
    "      <nvpair name=\"ctid\" value=\"101\" id=\"ct101-instance_attributes-ctid\"/>\n"
    "      <nvpair name=\"migration\" value=\"dump\" id=\"ct101-instance_attributes-migration\"/>\n"
    "      <nvpair name=\"dumpdir\" value=\"/tmp/vz-test.Pva8AO/nfs/dump\" "
    "id=\"ct101-instance_attributes-dumpdir\"/>\n"
    "    </instance_attributes>\n"
    "    <operations>\n"
    "      <op name=\"monitor\" interval=\"5s\" timeout=\"30s\" id=\"ct101-monitor-5s\"/>\n"
    "      <op name=\"start\" timeout=\"60s\" interval=\"0\" id=\"ct101-start-0\"/>\n"
    "      <op name=\"stop\" timeout=\"60s\" interval=\"0\" id=\"ct101-stop-0\"/>\n"
    "      <op name=\"migrate_to\" timeout=\"120s\" interval=\"0\" id=\"ct101-migrate_to-0\"/>\n"
    "      <op name=\"migrate_from\" timeout=\"120s\" interval=\"0\" "
    "id=\"ct101-migrate_from-0\"/>\n"
    "    </operations>\n"
    "    <meta_attributes id=\"ct101-meta_attributes\">\n"
    "      <nvpair name=\"allow-migrate\" value=\"true\" "
    "id=\"ct101-meta_attributes-allow-migrate\"/>\n"
    "    </meta_attributes>\n"
    "  </primitive>\n"
    "  <primitive id=\"web-ip\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">\n"
    "    <instance_attributes id=\"web-ip-instance_attributes\">\n"
    "      <nvpair name=\"ctid\" value=\"999\" id=\"web-ip-instance_attributes-ctid\"/>\n"
    "    </instance_attributes>\n"
    "  </primitive>\n"
    "  <group id=\"web\">\n"
    "    <primitive id=\"web-ct\" class=\"ocf\" provider=\"vz\" type=\"vz\">\n"
    "      <instance_attributes id=\"web-ct-instance_attributes\">\n"
    "        <nvpair name=\"ctid\" value=\"102\" id=\"web-ct-instance_attributes-ctid\"/>\n"
    "      </instance_attributes>\n"
    "    </primitive>\n"
    "  </group>\n"
    "  <primitive id=\"ct103\" class=\"ocf\" provider=\"vz\" type=\"vz\">\n"
    "    <instance_attributes id=\"ct103-instance_attributes\">\n"
    "      <nvpair name=\"ctid\" value=\"103\" id=\"ct103-instance_attributes-ctid\"/>\n"
    "    </instance_attributes>\n"
    "    <meta_attributes id=\"ct103-meta_attributes\">\n"
    "      <nvpair name=\"target-role\" value=\"Stopped\" "
    "id=\"ct103-meta_attributes-target-role\"/>\n"
    "    </meta_attributes>\n"
    "  </primitive>\n"
    "  <primitive id=\"ve104\" class=\"ocf\" provider=\"heartbeat\" type=\"ManageVE\">\n"
    "    <instance_attributes id=\"ve104-instance_attributes\">\n"
    "      <nvpair name=\"veid\" value=\"104\" id=\"ve104-instance_attributes-veid\"/>\n"
    "    </instance_attributes>\n"
    "  </primitive>\n"
    /* ctid only among the meta attributes: not a CT parameter */
    "  <primitive id=\"meta-only\" class=\"ocf\" provider=\"vz\" type=\"vz\">\n"
    "    <meta_attributes id=\"meta-only-meta_attributes\">\n"
    "      <nvpair name=\"ctid\" value=\"106\" id=\"meta-only-meta_attributes-ctid\"/>\n"
    "    </meta_attributes>\n"
    "  </primitive>\n"
    "  <clone id=\"ct105-clone\">\n"
    "    <primitive id=\"ct105\" class=\"ocf\" provider=\"vz\" type=\"vz\">\n"
    "      <instance_attributes id=\"ct105-instance_attributes\">\n"
    "        <nvpair name=\"ctid\" value=\"105\" id=\"ct105-instance_attributes-ctid\"/>\n"
    "      </instance_attributes>\n"
    "    </primitive>\n"
    "    <meta_attributes id=\"ct105-clone-meta_attributes\">\n"
    "      <nvpair name=\"clone-max\" value=\"2\" id=\"ct105-clone-meta_attributes-clone-max\"/>\n"
    "    </meta_attributes>\n"
    "  </clone>\n"
    "</resources>\n";

/* the attributes of a <resource> in crm_mon 2.1.5's output */
#define RSC_ATTRS                                                                                  \
        "orphaned=\"false\" blocked=\"false\" managed=\"true\" failed=\"false\" "                  \
        "failure_ignored=\"false\""

static const char mon[] =
    "<pacemaker-result api-version=\"2.25\" request=\"crm_mon -1 --inactive --output-as=xml\">\n"
    "  <pacemakerd sys_from=\"pacemakerd\" state=\"running\" last_updated=\"2026-12-06 "
    "21:21:16Z\"/>\n"
    "  <summary>\n"
    "    <stack type=\"corosync\"/>\n"
    "    <current_dc present=\"true\" version=\"2.1.5-a3f44794f94\" name=\"node1\" id=\"1\" "
    "with_quorum=\"true\" mixed_version=\"false\"/>\n"
    "    <nodes_configured number=\"2\"/>\n"
    "    <resources_configured number=\"7\" disabled=\"1\" blocked=\"0\"/>\n"
    "  </summary>\n"
    "  <nodes>\n"
    "    <node name=\"node1\" id=\"1\" online=\"true\" standby=\"false\" is_dc=\"true\" "
    "resources_running=\"3\" type=\"member\"/>\n"
    "    <node name=\"node2\" id=\"2\" online=\"true\" standby=\"false\" is_dc=\"false\" "
    "resources_running=\"3\" type=\"member\"/>\n"
    "  </nodes>\n"
    "  <resources>\n"
    "    <resource id=\"ct101\" resource_agent=\"ocf:vz:vz\" role=\"Started\" "
    "active=\"true\" " RSC_ATTRS " nodes_running_on=\"1\">\n"
    "      <node name=\"node1\" id=\"1\" cached=\"true\"/>\n"
    "    </resource>\n"
    "    <resource id=\"web-ip\" resource_agent=\"ocf:heartbeat:IPaddr2\" role=\"Started\" "
    "active=\"true\" " RSC_ATTRS " nodes_running_on=\"1\">\n"
    "      <node name=\"node2\" id=\"2\" cached=\"true\"/>\n"
    "    </resource>\n"
    "    <group id=\"web\" number_resources=\"1\" maintenance=\"false\" managed=\"true\" "
    "disabled=\"false\">\n"
    "      <resource id=\"web-ct\" resource_agent=\"ocf:vz:vz\" role=\"Started\" "
    "active=\"true\" " RSC_ATTRS " nodes_running_on=\"1\">\n"
    "        <node name=\"node2\" id=\"2\" cached=\"true\"/>\n"
    "      </resource>\n"
    "    </group>\n"
    "    <resource id=\"ct103\" resource_agent=\"ocf:vz:vz\" role=\"Stopped\" "
    "target_role=\"Stopped\" active=\"false\" " RSC_ATTRS " nodes_running_on=\"0\"/>\n"
    "    <resource id=\"ve104\" resource_agent=\"ocf:heartbeat:ManageVE\" role=\"Started\" "
    "active=\"true\" " RSC_ATTRS " nodes_running_on=\"1\">\n"
    "      <node name=\"node2\" id=\"2\" cached=\"true\"/>\n"
    "    </resource>\n"
    "    <clone id=\"ct105-clone\" multi_state=\"false\" unique=\"false\" maintenance=\"false\" "
    "managed=\"true\" disabled=\"false\" failed=\"false\" failure_ignored=\"false\">\n"
    "      <resource id=\"ct105\" resource_agent=\"ocf:vz:vz\" role=\"Stopped\" "
    "active=\"false\" " RSC_ATTRS " nodes_running_on=\"0\"/>\n"
    "      <resource id=\"ct105\" resource_agent=\"ocf:vz:vz\" role=\"Started\" "
    "active=\"true\" " RSC_ATTRS " nodes_running_on=\"1\">\n"
    "        <node name=\"node1\" id=\"1\" cached=\"true\"/>\n"
    "      </resource>\n"
    "      <resource id=\"ct105:1\" resource_agent=\"ocf:vz:vz\" role=\"Started\" "
    "active=\"true\" " RSC_ATTRS " nodes_running_on=\"1\">\n"
    "        <node name=\"node2\" id=\"2\" cached=\"true\"/>\n"
    "      </resource>\n"
    "    </clone>\n"
    "  </resources>\n"
    /* the same element names outside <resources>: not placement */
    "  <node_history>\n"
    "    <node name=\"node1\">\n"
    "      <resource_history id=\"ct101\" orphan=\"false\" migration-threshold=\"1000000\">\n"
    "        <operation_history call=\"10\" task=\"start\" rc=\"0\" rc_text=\"ok\"/>\n"
    "      </resource_history>\n"
    "      <resource id=\"ct103\" role=\"Started\"><node name=\"evil\"/></resource>\n"
    "    </node>\n"
    "  </node_history>\n"
    "  <status code=\"0\" message=\"OK\"/>\n"
    "</pacemaker-result>\n";

static char *render(const struct vzl_clu *c, bool json, bool header)
{
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        int r;

        if (!f)
                return NULL;
        r = json ? vzl_clu_print_json(c, f) : vzl_clu_print_text(c, header, f);
        fclose(f);
        CHECK(r == 0, "print: %d", r);
        return buf;
}

static void test_rows(void)
{
        struct vzl_clu c = {0};
        char *s;

        CHECK(vzl_clu_read_cib(&c, cib, strlen(cib)) == 0);
        CHECK(vzl_clu_read_status(&c, mon, strlen(mon)) == 0);
        CHECK(c.n == 5, "%zu rows", c.n);
        s = render(&c, false, true);
        CHECK_STREQ(s, "      CTID RESOURCE         NODE             ROLE       AGENT\n"
                       "       101 ct101            node1            Started    ocf:vz:vz\n"
                       "       102 web-ct           node2            Started    ocf:vz:vz\n"
                       "       103 ct103            -                Stopped    ocf:vz:vz\n"
                       "       104 ve104            node2            Started    ManageVE\n"
                       "       105 ct105            node1,node2      Started    ocf:vz:vz\n");
        free(s);
        s = render(&c, false, false);
        CHECK(s && strncmp(s, "       101 ct101 ", 17) == 0, "-H: %s", s);
        free(s);
        s = render(&c, true, true);
        CHECK_STREQ(s, "[\n"
                       "  {\n"
                       "    \"ctid\": \"101\",\n"
                       "    \"resource\": \"ct101\",\n"
                       "    \"agent\": \"ocf:vz:vz\",\n"
                       "    \"node\": \"node1\",\n"
                       "    \"role\": \"Started\"\n"
                       "  },\n"
                       "  {\n"
                       "    \"ctid\": \"102\",\n"
                       "    \"resource\": \"web-ct\",\n"
                       "    \"agent\": \"ocf:vz:vz\",\n"
                       "    \"node\": \"node2\",\n"
                       "    \"role\": \"Started\"\n"
                       "  },\n"
                       "  {\n"
                       "    \"ctid\": \"103\",\n"
                       "    \"resource\": \"ct103\",\n"
                       "    \"agent\": \"ocf:vz:vz\",\n"
                       "    \"node\": null,\n"
                       "    \"role\": \"Stopped\"\n"
                       "  },\n"
                       "  {\n"
                       "    \"ctid\": \"104\",\n"
                       "    \"resource\": \"ve104\",\n"
                       "    \"agent\": \"ManageVE\",\n"
                       "    \"node\": \"node2\",\n"
                       "    \"role\": \"Started\"\n"
                       "  },\n"
                       "  {\n"
                       "    \"ctid\": \"105\",\n"
                       "    \"resource\": \"ct105\",\n"
                       "    \"agent\": \"ocf:vz:vz\",\n"
                       "    \"node\": \"node1,node2\",\n"
                       "    \"role\": \"Started\"\n"
                       "  }\n"
                       "]\n");
        free(s);
        vzl_clu_free(&c);

        /* No CT resources: the header alone, and "[]". */
        CHECK(vzl_clu_read_cib(&c, "<resources/>", 12) == 0);
        CHECK(c.n == 0);
        s = render(&c, true, true);
        CHECK_STREQ(s, "[]\n");
        free(s);
        s = render(&c, false, true);
        CHECK_STREQ(s, "      CTID RESOURCE         NODE             ROLE       AGENT\n");
        free(s);
        vzl_clu_free(&c);

        /* A CT resource crm_mon does not list (just added): Stopped, "-". */
        CHECK(vzl_clu_read_cib(&c, cib, strlen(cib)) == 0);
        CHECK(vzl_clu_read_status(&c, "<pacemaker-result><resources/></pacemaker-result>", 49) ==
              0);
        s = render(&c, false, false);
        CHECK(s && strstr(s, "       101 ct101            -                Stopped    ocf:vz:vz\n"),
              "%s", s);
        free(s);
        vzl_clu_free(&c);
}

static void expect_refused(const char *what, const char *xml, size_t len)
{
        struct vzl_clu c = {0};
        int r = vzl_clu_read_cib(&c, xml, len);

        CHECK(r == -EINVAL, "%s: CIB read gave %d", what, r);
        CHECK(c.n == 0, "%s: %zu rows", what, c.n);
        vzl_clu_free(&c);
        r = vzl_clu_read_status(&c, xml, len);
        CHECK(r == -EINVAL, "%s: status read gave %d", what, r);
        vzl_clu_free(&c);
}

static void test_hostile(void)
{
        static const char *const bad[][2] = {
            {"billion laughs",
             "<!DOCTYPE resources [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b "
             "\"&a;&a;&a;&a;&a;&a;&a;&a;\">"
             "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;\">"
             "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;\">]>"
             "<resources><primitive id=\"x\" class=\"ocf\" provider=\"vz\" type=\"vz\">"
             "<instance_attributes id=\"i\"><nvpair id=\"n\" name=\"ctid\" value=\"&f;&f;&f;\"/>"
             "</instance_attributes></primitive></resources>"},
            {"external entity",
             "<!DOCTYPE resources [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
             "<resources><primitive id=\"x\" class=\"ocf\" provider=\"vz\" type=\"vz\">"
             "<instance_attributes id=\"i\"><nvpair id=\"n\" name=\"ctid\" value=\"101\"/>"
             "</instance_attributes>&x;</primitive></resources>"},
            {"external DTD",
             "<!DOCTYPE resources SYSTEM \"http://127.0.0.1:1/x.dtd\"><resources/>"},
            {"undeclared entity", "<resources><primitive id=\"&x;\"/></resources>"},
            {"not XML", "cibadmin: connection to the CIB manager failed"},
            {"truncated", "<resources><primitive id=\"ct101\" class=\"ocf\""},
            {"empty", ""},
        };
        struct vzl_clu c = {0};
        size_t big = 12u << 20; /* past libxml2's 10 MB cap on one attribute */
        char *huge;
        int r;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
                expect_refused(bad[i][0], bad[i][1], strlen(bad[i][1]));

        huge = malloc(big + 256);
        if (!huge)
                return;
        r = snprintf(huge, 256,
                     "<resources><primitive id=\"p\" class=\"ocf\" provider=\"vz\" "
                     "type=\"vz\"><instance_attributes id=\"i\"><nvpair id=\"n\" "
                     "name=\"ctid\" value=\"");
        memset(huge + r, '7', big);
        strcpy(huge + r + big, "\"/></instance_attributes></primitive></resources>");
        expect_refused("12 MB attribute", huge, strlen(huge));

        /* A 100 kB ctid parses, but is no CTID: the resource is skipped. */
        strcpy(huge + r + 100000, "\"/></instance_attributes></primitive></resources>");
        CHECK(vzl_clu_read_cib(&c, huge, strlen(huge)) == 0);
        CHECK(c.n == 0, "100 kB ctid: %zu rows", c.n);
        vzl_clu_free(&c);
        free(huge);

        /* Character references are not entities: they decode, and a
         * newline or a space in an id cannot forge a row or a column. */
        {
                static const char x[] =
                    "<resources><primitive id=\"a&#10;&#32;    999 forged\" class=\"ocf\" "
                    "provider=\"vz\" type=\"vz\"><instance_attributes id=\"i\">"
                    "<nvpair id=\"n\" name=\"ctid\" value=\"107\"/></instance_attributes>"
                    "</primitive><primitive id=\"b\" class=\"ocf\" provider=\"vz\" type=\"vz\">"
                    "<instance_attributes id=\"j\"><nvpair id=\"m\" name=\"ctid\" "
                    "value=\"1 2\"/></instance_attributes></primitive></resources>";
                char *s;

                CHECK(vzl_clu_read_cib(&c, x, strlen(x)) == 0);
                CHECK(c.n == 1, "%zu rows", c.n);
                s = render(&c, false, false);
                CHECK_STREQ(s,
                            "       107 a??????999?forged -                Stopped    ocf:vz:vz\n");
                free(s);
                s = render(&c, true, false);
                CHECK(s && strstr(s, "\"resource\": \"a\\n     999 forged\""), "%s", s);
                free(s);
                vzl_clu_free(&c);
        }
}

static void test_run(void)
{
        char *argv_printf[] = {(char *)"printf", (char *)"<a b=\"$(id)\"/>", NULL};
        char *argv_false[] = {(char *)"false", NULL};
        char *argv_missing[] = {(char *)"vzlist-no-such-program", NULL};
        char *argv_yes[] = {(char *)"yes", NULL};
        char *argv_stderr[] = {(char *)"ls", (char *)"/nonexistent-vz-test", NULL};
        char *out = NULL;
        size_t len = 0;
        int r;

        /* No shell: the $(id) reaches printf as it is. */
        r = vzl_clu_run(argv_printf, 1000, &out, &len);
        CHECK(r == 0, "printf: %d", r);
        CHECK_STREQ(out, "<a b=\"$(id)\"/>");
        CHECK(len == 14, "%zu", len);
        free(out);
        r = vzl_clu_run(argv_false, 1000, &out, &len);
        CHECK(r == -EIO, "false: %d", r);
        r = vzl_clu_run(argv_missing, 1000, &out, &len);
        CHECK(r == -ENOENT, "missing: %d", r);
        /* Endless output: stopped at the cap, the child killed and reaped. */
        r = vzl_clu_run(argv_yes, 100000, &out, &len);
        CHECK(r == -EFBIG, "yes: %d", r);
        /* A failing program's stderr goes to /dev/null (seen in the log if not). */
        r = vzl_clu_run(argv_stderr, 1000, &out, &len);
        CHECK(r == -EIO, "ls: %d", r);
}

int main(void)
{
        test_rows();
        test_hostile();
        test_run();
        xmlCleanupParser();
        return check_result("vzlist-cluster");
}
