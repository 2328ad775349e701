#include <math.h>
#include <stdio.h>

/* Defined by the Nix store's cc-wrapper (e2e/toolchain): its own store path. */
#ifndef NIXNFS_CC_WRAPPER
#define NIXNFS_CC_WRAPPER "(unknown cc-wrapper)"
#endif

int main(void) {
  printf("Hello from nixnfs! Built remotely by %s; sqrt(2) = %.5f\n", NIXNFS_CC_WRAPPER, sqrt(2.0));
  return 0;
}
