#include <criterion/criterion.h>
Test(ziplist, placeholder) { cr_assert(1); }
