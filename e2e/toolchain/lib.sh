# Shared helpers for the toolchain builders (sourced by build-*.sh; run inside the Nix
# sandbox, which holds the host's /bin /usr /lib /lib64 and /var/lib/dpkg).
set -euo pipefail
export PATH=/usr/bin:/bin
MA=x86_64-linux-gnu

# pkg_files PKG...: the regular files and symlinks that these Debian packages installed.
pkg_files() {
  local p list f
  for p in "$@"; do
    list=/var/lib/dpkg/info/$p.list
    [[ -f $list ]] || list=/var/lib/dpkg/info/$p:amd64.list
    [[ -f $list ]] || { echo "no dpkg file list for $p (is it installed?)" >&2; exit 1; }
    while IFS= read -r f; do
      if [[ -L $f || -f $f ]]; then printf '%s\n' "$f"; fi
    done < "$list"
  done
}

# put SRC DEST: copy one file; a symlink stays a symlink, made relative to its own dir
# when it pointed at an absolute path (its target is then expected beside it).
put() {
  mkdir -p "$(dirname "$2")"
  if [[ -L $1 ]]; then
    local t; t=$(readlink "$1")
    [[ $t == /* ]] && t=$(basename "$t")
    ln -sfn "$t" "$2"
  else
    cp -f "$1" "$2"; chmod u+w "$2"
  fi
}

# copy_headers DEST PKG...: the packages' headers, /usr/include/$MA merged into DEST
# (Debian's multiarch split is undone: one include directory, as in Nix's glibc.dev).
copy_headers() {
  local dest=$1; shift
  local p f rel
  for p in "$@"; do
    pkg_files "$p" | while IFS= read -r f; do
      case $f in
        /usr/include/$MA/*) rel=${f#/usr/include/$MA/} ;;
        /usr/include/*) rel=${f#/usr/include/} ;;
        *) continue ;;
      esac
      put "$f" "$dest/$rel"
    done
  done
}

# elf_type FILE: 2 (executable), 3 (shared object/PIE) or empty when not such an ELF file.
elf_type() {
  [[ -f $1 && ! -L $1 ]] || return 0
  [[ $(head -c 4 "$1" | od -An -c | tr -d ' ') == 177ELF ]] || return 0
  local t; t=$(od -An -tu2 -j16 -N2 "$1" | tr -d ' ')
  [[ $t == 2 || $t == 3 ]] && echo "$t"
  return 0
}

# patch_elfs DIR INTERPRETER RPATH: what Nix's bootstrap tools do at unpack time: every
# program gets the store's dynamic loader, every executable and library the store rpath.
patch_elfs() {
  local dir=$1 interp=$2 rpath=$3 f t
  while IFS= read -r -d '' f; do
    t=$(elf_type "$f")
    [[ -n $t ]] || continue
    chmod u+w "$f"
    if patchelf --print-interpreter "$f" >/dev/null 2>&1; then
      patchelf --set-interpreter "$interp" "$f"
    fi
    if [[ -n $(patchelf --print-needed "$f" 2>/dev/null) ]]; then
      patchelf --set-rpath "$rpath" "$f"
    fi
  done < <(find "$dir" -type f -print0)
}
