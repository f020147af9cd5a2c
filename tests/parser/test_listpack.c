#include <criterion/criterion.h>
Test(listpack, placeholder) { cr_assert(1); }
