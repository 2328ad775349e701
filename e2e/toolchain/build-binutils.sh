# Debian's binutils (as, ld.bfd, ar, nm, objcopy, objdump, ...) with their libraries.
source "$common"
mkdir -p "$out/bin" "$out/lib"
for t in addr2line ar as c++filt elfedit nm objcopy objdump ranlib readelf size strings strip; do
  cp "/usr/bin/$MA-$t" "$out/bin/$t"
done
cp /usr/bin/$MA-ld.bfd "$out/bin/ld.bfd"
ln -s ld.bfd "$out/bin/ld"
for l in libbfd-2.40-system.so libopcodes-2.40-system.so libctf.so.0 libctf-nobfd.so.0 \
         libsframe.so.0 libjansson.so.4 libz.so.1 libzstd.so.1; do
  cp -L "/usr/lib/$MA/$l" "$out/lib/$l"
done
chmod -R u+w "$out"
patch_elfs "$out" "$glibc/lib/ld-linux-x86-64.so.2" "$out/lib:$glibc/lib"
