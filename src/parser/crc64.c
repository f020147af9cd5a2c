/* crc64: to be written */
#include "parser/blob.h"
