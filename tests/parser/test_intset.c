#include <criterion/criterion.h>
Test(intset, placeholder) { cr_assert(1); }
