# Debian's gcc-12 (C only: gcc, cpp, cc1, collect2, lto-wrapper, the LTO plugin, libgcc),
# laid out as under /usr so gcc finds lib/gcc/x86_64-linux-gnu/12 relative to bin/gcc.
source "$common"
G=lib/gcc/$MA/12
mkdir -p "$out/bin" "$out/$G" "$out/lib"
cp /usr/bin/$MA-gcc-12 "$out/bin/gcc"
cp /usr/bin/$MA-cpp-12 "$out/bin/cpp"
cp /usr/bin/$MA-gcov-12 "$out/bin/gcov"
for f in cc1 collect2 lto-wrapper liblto_plugin.so; do cp "/usr/$G/$f" "$out/$G/"; done
for f in $(pkg_files libgcc-12-dev); do
  case $f in
    /usr/$G/include/*) put "$f" "$out/$G/include/${f#/usr/$G/include/}" ;;
    */libasan*|*/liblsan*|*/libtsan*|*/libubsan*|*/libhwasan*) ;;   # sanitizers: not needed
    /usr/$G/*.o|/usr/$G/*.a|/usr/$G/*.so|/usr/$G/*.spec) put "$f" "$out/$G/$(basename "$f")" ;;
  esac
done
# libgcc_s.so is a linker script "GROUP ( libgcc_s.so.1 -lgcc )": put the library beside it.
cp /lib/$MA/libgcc_s.so.1 "$out/$G/"
cp /lib/$MA/libgcc_s.so.1 "$out/lib/"
# cc1's libraries.
for l in libisl.so.23 libmpc.so.3 libmpfr.so.6 libgmp.so.10 libz.so.1 libzstd.so.1; do
  cp -L "/lib/$MA/$l" "$out/lib/$l"
done
chmod -R u+w "$out"
patch_elfs "$out" "$glibc/lib/ld-linux-x86-64.so.2" "$out/lib:$glibc/lib"
