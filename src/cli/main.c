#include <stdio.h>
#include "lgc/tensor.h"
int main(void) { printf("lgc %s (%s)\n", LGC_VERSION_STRING, lgc_blas_info()); return 0; }
