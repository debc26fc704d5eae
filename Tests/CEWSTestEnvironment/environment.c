#include "ewscheck_test_environment.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char krb5_config[512];

/* Runs when the test binary loads, before any thread exists: the only safe time to setenv. */
__attribute__((constructor)) static void ewscheck_test_environment(void) {
    const char *tmp = getenv("TMPDIR");
    if (tmp == NULL || *tmp == '\0') tmp = "/tmp";
    snprintf(krb5_config, sizeof krb5_config, "%s/ewscheck-krb5-%d.conf", tmp, (int)getpid());
    setenv("KRB5_CONFIG", krb5_config, 1);
}

const char *ewscheck_test_krb5_config(void) { return krb5_config; }
