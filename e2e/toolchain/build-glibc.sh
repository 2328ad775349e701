# glibc (Debian's libc6, libc6-dev, libcrypt, linux-libc-dev headers) as one store path:
# $out/lib: the loader, the shared libraries, crt*.o and the link-time files;
# $out/include: the C library and Linux kernel headers.
source "$common"
mkdir -p "$out/lib" "$out/include"
for f in $(pkg_files libc6 libc6-dev libcrypt1 libcrypt-dev); do
  case $f in
    */gconv/*|*/audit/*|/usr/share/*|/etc/*|*/pkgconfig/*) ;;
    /lib/$MA/*|/usr/lib/$MA/*) put "$f" "$out/lib/$(basename "$f")" ;;
  esac
done
# The linker scripts name the host's paths: point them at this store path.
for s in libc.so libm.so; do
  sed -e "s|/usr/lib/$MA/|$out/lib/|g" -e "s|/lib/$MA/|$out/lib/|g" -e "s|/lib64/|$out/lib/|g" \
    "/usr/lib/$MA/$s" > "$out/lib/$s"
done
copy_headers "$out/include" libc6-dev linux-libc-dev libcrypt-dev
# The loader needs no interpreter; the libraries find each other in $out/lib.
patch_elfs "$out/lib" "$out/lib/ld-linux-x86-64.so.2" "$out/lib"
