#ifndef EWSCHECK_TEST_ENVIRONMENT_H
#define EWSCHECK_TEST_ENVIRONMENT_H

/// The KRB5_CONFIG path this test process was given before main ran (MIT Kerberos reads only the
/// environment). Setting it later, while other tests spawn processes, races with their reading
/// of the environment and crashes them.
const char *ewscheck_test_krb5_config(void);

#endif
