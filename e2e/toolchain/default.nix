# A self-contained C toolchain as Nix store paths, made offline from Debian's own gcc,
# binutils and glibc (see ../README.md). Every program gets the store's dynamic loader
# and rpath (patchelf), so the closure of cc-wrapper runs on a machine that has nothing
# but /nix/store.
#
#   nix-build e2e/toolchain                          # cc-wrapper (the default attribute)
#   nix-build e2e/toolchain --argstr stamp 2         # another cc-wrapper store path
#
# Builders copy from the host inside the build sandbox, so the Nix configuration must
# bind-mount the host's /bin /usr /lib /lib64 and /var/lib/dpkg (sandbox-paths).
{ stamp ? "1" }:
let
  system = builtins.currentSystem;
  common = ./lib.sh;
  mk = name: script: attrs: derivation ({
    inherit name system common;
    builder = "/bin/bash";
    args = [ script ];
  } // attrs);

  glibc = mk "glibc-2.36-debian" ./build-glibc.sh { };
  gcc = mk "gcc-12-debian" ./build-gcc.sh { inherit glibc; };
  binutils = mk "binutils-2.40-debian" ./build-binutils.sh { inherit glibc; };
  bash = mk "bash-5.2-debian" ./build-bash.sh { inherit glibc; };
  cc-wrapper = mk "cc-wrapper" ./build-cc-wrapper.sh {
    inherit glibc gcc binutils bash stamp;
  };
in
cc-wrapper // { inherit glibc gcc binutils bash cc-wrapper; }
