"""A C/C++ toolchain whose tools are Nix store paths, as rules_nixpkgs' nixpkgs_cc_configure
makes it: a cc_toolchain_config (Bazel's unix_cc_toolchain_config) whose tool paths are
/nix/store/<hash>-cc-wrapper/bin/{cc,ld,ar,...}, a cc_toolchain_suite for --crosstool_top and
a toolchain() for toolchain resolution.

rules_nixpkgs runs nix-build (and, with BAZEL_NIX_REMOTE, pushes to the Nix server) inside
the repository rule; here e2e/run does those steps and hands over the result in a file:

    cc_wrapper=/nix/store/<hash>-cc-wrapper
    shell=/nix/store/<hash>-bash-5.2-debian/bin/bash
    include=/nix/store/<hash>-gcc-12-debian/lib/gcc/x86_64-linux-gnu/12/include
    include=/nix/store/<hash>-glibc-2.36-debian/include

The store paths need not exist on this machine: every action runs remotely, on executors
that mount the Nix server's store at /nix/store. (shell= is for --shell_executable, which
e2e/run passes: genrules then run the store's bash on the executors.)
"""

_BUILD = """\
load("@bazel_tools//tools/cpp:unix_cc_toolchain_config.bzl", "cc_toolchain_config")

package(default_visibility = ["//visibility:public"])

# Bazel does not hash tools outside the workspace, and a CppCompile action's key leaves
# out the compiler's path: after a switch to another cc-wrapper store path, compiles
# would be skipped as up to date (links are redone). This file names the store paths
# in use; as an input of every C/C++ action, it makes them rerun when the toolchain changes.
filegroup(
    name = "toolchain-identity",
    srcs = ["toolchain-identity.txt"],
)

cc_toolchain_suite(
    name = "toolchain",
    toolchains = {{
        "k8": ":cc-compiler-k8",
        "k8|gcc": ":cc-compiler-k8",
    }},
)

cc_toolchain(
    name = "cc-compiler-k8",
    all_files = ":toolchain-identity",
    ar_files = ":toolchain-identity",
    as_files = ":toolchain-identity",
    compiler_files = ":toolchain-identity",
    dwp_files = ":toolchain-identity",
    linker_files = ":toolchain-identity",
    objcopy_files = ":toolchain-identity",
    strip_files = ":toolchain-identity",
    supports_param_files = 1,
    toolchain_config = ":cc-config-k8",
    toolchain_identifier = "nix-cc",
)

cc_toolchain_config(
    name = "cc-config-k8",
    cpu = "k8",
    compiler = "gcc",
    toolchain_identifier = "nix-cc",
    host_system_name = "local",
    target_system_name = "local",
    target_libc = "glibc",
    abi_version = "local",
    abi_libc_version = "local",
    cxx_builtin_include_directories = {includes},
    tool_paths = {{
        "ar": "{w}/bin/ar",
        "cpp": "{w}/bin/cpp",
        "dwp": "/bin/false",
        "gcc": "{w}/bin/cc",
        "gcov": "{w}/bin/gcov",
        "ld": "{w}/bin/ld",
        "llvm-cov": "/bin/false",
        "nm": "{w}/bin/nm",
        "objcopy": "{w}/bin/objcopy",
        "objdump": "{w}/bin/objdump",
        "strip": "{w}/bin/strip",
    }},
    compile_flags = [
        "-U_FORTIFY_SOURCE",
        "-fstack-protector",
        "-Wall",
        "-fno-omit-frame-pointer",
    ],
    opt_compile_flags = ["-g0", "-O2", "-D_FORTIFY_SOURCE=1", "-DNDEBUG", "-ffunction-sections", "-fdata-sections"],
    dbg_compile_flags = ["-g"],
    cxx_flags = ["-std=c++17"],
    link_flags = ["-Wl,-z,relro,-z,now", "-pass-exit-codes"],
    link_libs = ["-lm"],
    opt_link_flags = ["-Wl,--gc-sections"],
    unfiltered_compile_flags = [
        "-fno-canonical-system-headers",
        "-Wno-builtin-macro-redefined",
        "-D__DATE__=\\"redacted\\"",
        "-D__TIMESTAMP__=\\"redacted\\"",
        "-D__TIME__=\\"redacted\\"",
    ],
    coverage_compile_flags = ["--coverage"],
    coverage_link_flags = ["--coverage"],
    supports_start_end_lib = False,
)

toolchain(
    name = "cc-toolchain-k8",
    exec_compatible_with = ["@platforms//cpu:x86_64", "@platforms//os:linux"],
    target_compatible_with = ["@platforms//cpu:x86_64", "@platforms//os:linux"],
    toolchain = ":cc-compiler-k8",
    toolchain_type = "@bazel_tools//tools/cpp:toolchain_type",
)
"""

def _nix_cc_configure_impl(rctx):
    values = {"include": []}
    for line in rctx.read(rctx.attr.toolchain_file).splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition("=")
        if key == "include":
            values["include"].append(value)
        else:
            values[key] = value
    w = values.get("cc_wrapper")
    if not w or not w.startswith("/nix/store/"):
        fail("%s names no cc_wrapper=/nix/store/... path" % rctx.attr.toolchain_file)

    includes = values["include"]
    rctx.file("BUILD.bazel", _BUILD.format(w = w, includes = repr(includes)))
    rctx.file("toolchain-identity.txt", rctx.read(rctx.attr.toolchain_file))

nix_cc_configure = repository_rule(
    implementation = _nix_cc_configure_impl,
    attrs = {"toolchain_file": attr.label(allow_single_file = True, mandatory = True)},
    local = True,
)
