# A small demo Nix store for nixnfs tests and demos, built by scripts/make-demo-store.
#
# Only builtins.derivation with builder = /bin/sh and the host's coreutils: no nixpkgs,
# no network, so it builds offline with Debian's nix-bin (Nix 2.8). The paths cover
# what an NFS export of a store has to get right:
#   greeting  a plain file (a store path that is a single regular file, not a directory)
#   hello     bin/hello, an executable /bin/sh script that reads ${greeting} at run time
#             (a reference, so hello's closure is {hello, greeting})
#   tree      a directory with nested dirs, an absolute symlink into another store path,
#             a relative symlink, a dangling-free ../ symlink and an empty file
#   blob      share/blob.bin, a 4 MiB deterministic file (multi-READ transfers)
#   names     files, a directory and a symlink with non-ASCII (UTF-8) names
#   demo      the root: references all of the above, so its closure is the whole store
let
  system = builtins.currentSystem;
  # The sandbox only holds what make-demo-store bind-mounts (/bin /usr /lib /lib64),
  # so tools come from the host's /usr/bin; Nix sets PATH to a bogus value otherwise.
  mk = name: script: derivation {
    inherit name system;
    builder = "/bin/sh";
    args = [ "-c" script ];
    PATH = "/usr/bin:/bin";
  };

  greeting = mk "demo-greeting" ''
    set -e
    printf 'Hello from the nixnfs demo store!\n' > $out
  '';

  hello = mk "demo-hello" ''
    set -e
    mkdir -p $out/bin
    # The shebang is /bin/sh (not a store path) so the script also runs inside a
    # busybox guest that mounts this store at /nix/store.
    cat > $out/bin/hello <<EOF
    #!/bin/sh
    exec cat ${greeting}
    EOF
    chmod 0555 $out/bin/hello
  '';

  tree = mk "demo-tree" ''
    set -e
    mkdir -p $out/share/doc/demo $out/lib/empty-dir
    printf 'A directory with symlinks, served read-only over NFS.\n' > $out/share/doc/demo/README
    : > $out/share/doc/demo/empty-file
    ln -s ${hello}/bin/hello $out/bin-hello          # absolute, into another store path
    ln -s share/doc/demo/README $out/README          # relative, inside this path
    ln -s ../../../README $out/share/doc/demo/up     # relative, walking up
  '';

  blob = mk "demo-blob" ''
    set -e
    mkdir -p $out/share
    # Deterministic, not too compressible, exactly 4 MiB.
    seq -f 'demo blob line %09g: the quick brown fox jumps over the lazy dog' 1 100000 \
      | head -c 4194304 > $out/share/blob.bin
  '';

  # File names that are not ASCII (UTF-8, as Nix stores them: bytes, never normalised):
  # "café" twice, precomposed (NFC, c3 a9) and decomposed (NFD, "e" + cc 81), which must
  # stay two different files; 3- and 4-byte sequences (the 4-byte one is a surrogate pair
  # in Java's UTF-16 strings); a non-ASCII directory and a symlink to a non-ASCII name.
  names = mk "demo-names" ''
    set -e
    mkdir -p "$out/Ελληνικά/κατάλογος"
    printf 'NFC \303\251\n' > "$out/$(printf 'caf\303\251')"
    printf 'NFD e\314\201\n' > "$out/$(printf 'cafe\314\201')"
    printf 'three-byte UTF-8\n' > "$out/日本語.txt"
    printf 'four-byte UTF-8\n' > "$out/emoji-🦀.txt"
    printf 'nested\n' > "$out/Ελληνικά/κατάλογος/файл.txt"
    ln -s "Ελληνικά/κατάλογος/файл.txt" "$out/ссылка"
  '';

  demo = mk "demo" ''
    set -e
    mkdir -p $out/bin
    ln -s ${hello}/bin/hello $out/bin/hello
    ln -s ${tree} $out/tree
    ln -s ${blob}/share/blob.bin $out/blob.bin
    printf '%s\n' ${greeting} ${hello} ${tree} ${blob} ${names} > $out/closure.txt
  '';
in
# nix-build builds every derivation of a top-level attribute set (printed by name order).
{ inherit greeting hello tree blob names demo; }
