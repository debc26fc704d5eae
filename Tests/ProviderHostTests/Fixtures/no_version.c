/* Has an entry point but no ewscheck_plugin_abi_version. Expected: missing-abi-version-symbol,
 * and the entry point never runs (it would abort). */
#include "fixture.h"

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    abort();
}
