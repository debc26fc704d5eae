/* Built for ABI version 2. Expected: abi-version-mismatch naming 2 and 1, and the entry point never
 * runs (it would abort). */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = 2;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    abort();
}
