# cc-wrapper: what Bazel's toolchain calls. bin/cc runs the store's gcc with the flags
# that make it use only store paths (like nixpkgs' cc-wrapper and bintools-wrapper);
# bin/{ld,ar,nm,...} are the store's binutils.
source "$common"
mkdir -p "$out/bin" "$out/nix-support"
cat > "$out/bin/cc" <<EOS
#!$bash/bin/bash
# cc-wrapper $stamp: gcc from $gcc with glibc $glibc and binutils $binutils.
link=1
for a in "\$@"; do
  case \$a in -c|-S|-E|-M|-MM) link= ;; esac
done
compile=(-B$glibc/lib/ -B$binutils/bin/ -idirafter $glibc/include
         '-DNIXNFS_CC_WRAPPER="$out"')
if [ -n "\$link" ]; then
  exec $gcc/bin/gcc "\${compile[@]}" "\$@" -L$glibc/lib \\
    -Wl,--dynamic-linker=$glibc/lib/ld-linux-x86-64.so.2 -Wl,-rpath,$glibc/lib -Wl,-rpath,$gcc/lib
else
  exec $gcc/bin/gcc "\${compile[@]}" "\$@"
fi
EOS
chmod 0555 "$out/bin/cc"
ln -s cc "$out/bin/gcc"
cat > "$out/bin/cpp" <<EOS
#!$bash/bin/bash
exec $gcc/bin/cpp -idirafter $glibc/include "\$@"
EOS
chmod 0555 "$out/bin/cpp"
ln -s $gcc/bin/gcov "$out/bin/gcov"
for t in ar as ld ld.bfd nm objcopy objdump ranlib readelf size strip; do
  ln -s "$binutils/bin/$t" "$out/bin/$t"
done
# What nixpkgs_cc_configure asks the compiler: its include directories, for
# cxx_builtin_include_directories; and a shell from the store (Bazel's --shell_executable).
printf '%s\n' "$gcc/lib/gcc/$MA/12/include" "$glibc/include" > "$out/nix-support/include-dirs"
echo "$bash/bin/bash" > "$out/nix-support/shell"
echo "$stamp" > "$out/nix-support/stamp"
