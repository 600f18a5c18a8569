#!/usr/bin/env bash
# The release build that ships (the Debian packages, scripts/install.sh): both programs, the Swift runtime linked
# statically (nothing of the toolchain is needed where they run), and linked for the idle daemon's memory
# (docs/benchmarks.md, "The idle daemon"):
# - lld (shipped with the toolchain), not exporting the programs' own symbols (`--static-swift-stdlib` adds
#   -export-dynamic: 1.3 MB of symbol tables that ld.so searches while binding the shared libraries);
# - the functions the daemon runs packed together (scripts/simpul-daemon.order, made by
#   scripts/generate-daemon-order.sh): the kernel maps code in 64 KiB chunks around each touched page, so
#   scattered hot code costs most of the 20 MB of text;
# - where the C library's loader reads them (glibc 2.36, Debian 12, and later), the ~95,000 relative relocations
#   of the position-independent executable packed as DT_RELR: 2.2 MB the loader reads at every start become 18 KB.
#   Still position-independent, so address-space randomisation stays.
# The ordering file is checked after the link: lld ignores names it does not find, so a list gone stale (after a
# toolchain, dependency or code change) would silently cost memory. When fewer than half of its names are
# functions of the new `simpul`, the build fails and says how to regenerate the list.
#
#   scripts/build-release.sh [--out DIR] [--with-manual-tool] [--skip-order-check]
#
# Builds into .build-release (its own scratch directory: these flags differ from a plain `swift build -c release`,
# and sharing one directory would rebuild everything each time the two alternate). --out DIR copies the two
# binaries there. --with-manual-tool also builds ArgumentParser's generate-manual with the same flags (so nothing is
# rebuilt), for scripts/package.sh. --skip-order-check is for scripts/generate-daemon-order.sh, which regenerates
# the list from this build. Prints the directory holding the binaries on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
out="" manual_tool=0 order_check=1
while [ $# -gt 0 ]; do
    case "$1" in
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --with-manual-tool) manual_tool=1; shift ;;
        --skip-order-check) order_check=0; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-release: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done

order=$repo/scripts/simpul-daemon.order
flags=(-c release --static-swift-stdlib --scratch-path "$repo/.build-release"
    -Xswiftc -use-ld=lld -Xlinker --no-export-dynamic
    -Xlinker "--symbol-ordering-file=$order" -Xlinker --no-warn-symbol-ordering)
# DT_RELR only where the C library's loader reads it (glibc 2.36 and later); elsewhere the flag would make a
# binary that does not start.
glibc=$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{print $2}')
if [ -n "$glibc" ] && printf '2.36\n%s\n' "$glibc" | sort -V -C; then
    flags+=(-Xlinker -z -Xlinker pack-relative-relocs)
fi

for product in simpul simpul-aggregator; do
    echo "build-release: $product (release, static Swift runtime, tuned link)" >&2
    swift build "${flags[@]}" --product "$product" >&2
done
if [ "$manual_tool" = 1 ]; then
    swift build "${flags[@]}" --product generate-manual >&2
fi
bin=$(swift build "${flags[@]}" --show-bin-path)

# The ordering file must still name the daemon's functions.
if [ "$order_check" = 1 ]; then
    scripts/lib/check-order-file.sh "$bin/simpul" "$order"
fi
if ldd "$bin/simpul" "$bin/simpul-aggregator" | grep -q libswiftCore; then
    echo "build-release: the Swift runtime is linked dynamically; expected --static-swift-stdlib to link it in" >&2
    exit 1
fi

if [ -n "$out" ]; then
    mkdir -p "$out"
    cp "$bin/simpul" "$bin/simpul-aggregator" "$out/"
    [ "$manual_tool" = 0 ] || cp "$bin/generate-manual" "$out/"
    bin=$(cd "$out" && pwd)
fi
echo "$bin"
