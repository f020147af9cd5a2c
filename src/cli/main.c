/* placeholder: replaced by the CLI */
#include <stdio.h>
int main(void) { puts("rdblens"); return 0; }
