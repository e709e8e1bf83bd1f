/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Build-time generator: copies a man page template to stdout, replacing the
 * line "@PARAMETERS@" with the PARAMETERS section made from the parameter
 * table (params.c): every option with its argument, help line, config name,
 * default, range or choices, how it reaches a running CT and its vzlist
 * column; then the config-only parameters. The man page can then never
 * disagree with the table.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "config/params.h"
#include "macro.h"

/* Text for roff: backslashes and hyphens escaped, no control line. */
static void roff(FILE *out, const char *s)
{
        if (*s == '.' || *s == '\'')
                fputs("\\&", out);
        for (; *s; s++) {
                if (*s == '\\')
                        fputs("\\e", out);
                else if (*s == '-')
                        fputs("\\-", out);
                else
                        fputc(*s, out);
        }
}

static const char *live_text(const struct vz_param *p)
{
        if (p->info.flags & VZ_PF_NO_RUNNING)
                return "Refused on a running CT.";
        if (p->info.flags & VZ_PF_CREATE_ONLY)
                return "Only at create.";
        switch (p->live) {
        case VZ_LIVE_CONFIG:
                return "Saved; nothing to apply to a running CT.";
        case VZ_LIVE_RESTART:
                return "Takes effect at the next start.";
        case VZ_LIVE_NOT_ENFORCED:
                return "Accepted, saved and shown; a stock kernel does not enforce it.";
        case VZ_LIVE_CGROUP:
        case VZ_LIVE_KNOB:
                return "Applied to a running CT's cgroups at once.";
        case VZ_LIVE_DEVICES:
                return "Applied to a running CT's device access at once.";
        case VZ_LIVE_IDENTITY:
                return "Applied inside a running CT at once.";
        case VZ_LIVE_NET:
                return "Applied to a running CT's network at once.";
        case VZ_LIVE_DISK:
                return "Applied to the storage layout's limit when saved.";
        default:
                return NULL;
        }
}

/* The facts after the help line: config name, default, range, live. */
static void row_facts(FILE *out, const struct vz_param *p)
{
        const struct vz_param *own = vz_param_lookup(p->info.name);

        fputs("Sets \\fB", out);
        roff(out, p->info.name);
        fputs("\\fR", out);
        if (own->def) {
                fputs(", default \\fI", out);
                roff(out, own->def);
                fputs("\\fR", out);
        }
        if (p->kind == VZ_KIND_INT && p->max > p->min)
                fprintf(out, ", %lld..%lld", (long long)p->min, (long long)p->max);
        for (size_t i = 0; p->choices && p->choices[i]; i++)
                fprintf(out, "%s\\fB%s\\fR", i ? ", " : "; one of ", p->choices[i]);
        fputs(". ", out);
        roff(out, live_text(p));
        if (p->knob) {
                fputs(" cgroup v1: \\fI", out);
                roff(out, p->knob->v1_file ? p->knob->v1_file : "none");
                fputs("\\fR, v2: \\fI", out);
                roff(out, p->knob->v2_file ? p->knob->v2_file : "none");
                fputs("\\fR.", out);
        }
        if (p->info.flags & VZ_PF_NEEDS_SAVE)
                fputs(" Only with \\fB\\-\\-save\\fR.", out);
        if (own->col.name && *own->col.name) {
                fputs(" \\fBvzlist\\fR field: \\fB", out);
                roff(out, own->col.name);
                fputs("\\fR.", out);
        }
        fputc('\n', out);
}

static void option_entry(FILE *out, const struct vz_param *p)
{
        fputs(".TP\n.B \\-\\-", out);
        roff(out, p->info.option);
        for (size_t k = 0; k < ELEMENTSOF(p->opt_aliases) && p->opt_aliases[k]; k++) {
                fputs("\\fR, \\fB\\-\\-", out);
                roff(out, p->opt_aliases[k]);
        }
        fputs(" \\fI", out);
        roff(out, p->info.arg);
        fputs("\\fR\n", out);
        /* The help line is a fragment for --help; a sentence here. */
        fprintf(out, "%c",
                p->info.help[0] >= 'a' && p->info.help[0] <= 'z' ? p->info.help[0] - 32
                                                                 : p->info.help[0]);
        roff(out, p->info.help + 1);
        fputs(".\n", out);
        if (p->man) {
                roff(out, p->man);
                fputc('\n', out);
        }
        row_facts(out, p);
}

static void config_entry(FILE *out, const struct vz_param *p)
{
        fputs(".TP\n.B ", out);
        roff(out, p->info.name);
        fputc('\n', out);
        roff(out, p->info.help);
        if (p->def) {
                fputs("; default \\fI", out);
                roff(out, p->def);
                fputs("\\fR", out);
        }
        fputs(".\n", out);
}

static void parameters(FILE *out)
{
        const struct vz_param *p;

        fputs(".SH PARAMETERS\n"
              "Options of \\fBcreate\\fR and \\fBset\\fR, each with the configuration parameter it "
              "sets in \\fICTID.conf\\fR (generated from vz's parameter table).\n",
              out);
        for (size_t i = 0; (p = vz_param_row(i)); i++)
                if (p->info.option)
                        option_entry(out, p);
        fputs(".SS Configuration only\n"
              "Read from \\fIvz.conf\\fR (global) or the CT config, with no option.\n",
              out);
        for (size_t i = 0; (p = vz_param_row(i)); i++)
                if (!p->info.option)
                        config_entry(out, p);
}

int main(int argc, char **argv)
{
        char line[4096];
        FILE *in;
        bool done = false;

        if (argc != 2) {
                fprintf(stderr, "usage: gen-params TEMPLATE\n");
                return 2;
        }
        in = fopen(argv[1], "re");
        if (!in) {
                fprintf(stderr, "gen-params: %s: %s\n", argv[1], strerror(errno));
                return 1;
        }
        while (fgets(line, sizeof(line), in)) {
                if (strcmp(line, "@PARAMETERS@\n") == 0) {
                        parameters(stdout);
                        done = true;
                } else
                        fputs(line, stdout);
        }
        fclose(in);
        if (!done) {
                fprintf(stderr, "gen-params: %s has no @PARAMETERS@ line\n", argv[1]);
                return 1;
        }
        return ferror(stdout) || fflush(stdout) ? 1 : 0;
}
