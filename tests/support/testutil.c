/* test helpers */
#include "testutil.h"
