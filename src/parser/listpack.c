/* listpack: to be written */
#include "parser/blob.h"
