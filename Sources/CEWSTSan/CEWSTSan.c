// The annotations are inline functions in include/CEWSTSan.h; SwiftPM wants one source file.
#include "CEWSTSan.h"
