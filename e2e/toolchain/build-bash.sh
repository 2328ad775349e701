# Debian's bash: the interpreter of cc-wrapper's scripts and Bazel's --shell_executable.
source "$common"
mkdir -p "$out/bin" "$out/lib"
cp /bin/bash "$out/bin/bash"
ln -s bash "$out/bin/sh"
cp -L /lib/$MA/libtinfo.so.6 "$out/lib/"
chmod -R u+w "$out"
patch_elfs "$out" "$glibc/lib/ld-linux-x86-64.so.2" "$out/lib:$glibc/lib"
