/* synthetic RDB builder */
#include "rdbbuild.h"
