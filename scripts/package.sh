#!/usr/bin/env bash
# Builds the two Debian packages, simpul and simpul-aggregator (amd64), the Debian way: debhelper with
# dh_installsystemd, dh_installman, dh_shlibdeps, from the debian/ directory of this repository.
#
#   scripts/package.sh [--version V | --rebuild N] [--bin DIR] [--out DIR] [--no-lintian] [--fast]
#
# 1. The release binaries: scripts/build-release.sh (static Swift runtime, tuned link, the daemon's function order
#    checked for staleness), or --bin DIR holding simpul, simpul-aggregator and generate-manual already built by it.
# 2. Staged in a temporary source tree: debian/ with a changelog for the version, the units of systemd/ with the
#    packaged paths (/usr/bin), man pages for both programs and every subcommand from ArgumentParser's manual
#    generator, in English and in Bahasa Indonesia (simpul in section 1, simpul-aggregator in section 8; named as
#    git's are, `simpul-sync-now(1)`, by scripts/lib/man-names.py), bash and zsh completions from the binaries,
#    the example configs, the service catalogue and the docs.
# 3. dpkg-buildpackage -b (binary packages only; the toolchain is not a Debian package, hence -d), then lintian on
#    both packages: any error or warning fails the run (the overrides in debian/*.lintian-overrides say why each is
#    there).
#
# --version V: the package version (default: BuildInfo.version, e.g. 0.13.0). --rebuild N: a later build of that
# version, V+bN, which apt installs over V as an upgrade (the .deb system test uses it). --fast: gzip -1 instead of
# xz, for test builds (a minute less; never for packages that ship). --out DIR: where the .debs go (default .build-release/debian). Prints the two paths last.
# Needs: debhelper, lintian, dpkg-dev (scripts/setup-system.sh --package installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
fast=0 version="" rebuild="" bin="" out="$repo/.build-release/debian" lintian=1
while [ $# -gt 0 ]; do
    case "$1" in
        --version) version=${2:?--version needs a value}; shift 2 ;;
        --rebuild) rebuild=${2:?--rebuild needs a number}; shift 2 ;;
        --bin) bin=${2:?--bin needs a directory}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --no-lintian) lintian=0; shift ;;
        --fast) fast=1; shift ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) echo "package: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
done
die() { echo "package: $*" >&2; exit 1; }
for tool in dpkg-buildpackage dh dh_installsystemd; do
    command -v "$tool" >/dev/null || die "$tool is missing: scripts/setup-system.sh --package (debhelper, dpkg-dev, lintian)"
done
[ "$lintian" = 0 ] || command -v lintian >/dev/null || die "lintian is missing: scripts/setup-system.sh --package"

if [ -z "$version" ]; then
    version=$(sed -n 's/.*static let version = "\([^"]*\)".*/\1/p' Sources/SimpulCore/Wire/BuildInfo.swift)
    [ -n "$version" ] || die "no version in Sources/SimpulCore/Wire/BuildInfo.swift"
fi
if [ -n "$rebuild" ]; then
    [[ $rebuild =~ ^[1-9][0-9]*$ ]] || die "--rebuild takes a whole number"
    version=$version+b$rebuild
fi
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "'$version' is not a Debian version of a native package (digits first; no '-')"

if [ -z "$bin" ]; then
    bin=$(scripts/build-release.sh --with-manual-tool | tail -n 1)
fi
bin=$(cd "$bin" && pwd)
for p in simpul simpul-aggregator generate-manual; do
    [ -x "$bin/$p" ] || die "no $bin/$p (scripts/build-release.sh --with-manual-tool builds all three)"
done

work=$(mktemp -d /tmp/simpul-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
stage=$work/simpul-$version
mkdir -p "$stage"/build/{bin,man/simpul,man/simpul-aggregator,completions/bash,completions/zsh} "$stage/config" "$stage/docs"
cp -r debian "$stage/"
cp "$bin/simpul" "$bin/simpul-aggregator" "$stage/build/bin/"
cp config/node.example.toml config/aggregator.example.toml config/services.csv "$stage/config/"
cp docs/operations.md docs/protocol.md docs/openapi.yaml "$stage/docs/"
cp README.md "$stage/"

# The changelog names this build; its date is the commit's (reproducible), or now outside git.
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
when=$(git log -1 --format=%cD 2>/dev/null || date -R)
cat >"$stage/debian/changelog" <<EOF
simpul ($version) unstable; urgency=medium

  * Simpul $version, built from commit $commit by scripts/package.sh.

 -- Simpul team <simpul@simpul.invalid>  $when
EOF

# The units as packaged: the binaries in /usr/bin, the docs in /usr/share/doc.
for unit in simpul simpul-aggregator; do
    sed -e 's|/usr/local/bin/|/usr/bin/|g' \
        -e "s|file:/usr/local/share/doc/simpul/operations.md|file:/usr/share/doc/$unit/operations.md.gz|" \
        -e 's|^# Simpul \(.*\)|# Simpul \1|' "systemd/$unit.service" >"$stage/debian/$unit.service"
    if grep -q '/usr/local' "$stage/debian/$unit.service"; then die "debian/$unit.service still names /usr/local"; fi
done

# Man pages (every subcommand) and completions, from the binaries themselves. The pages in English, and in Bahasa
# Indonesia as NAME.id.SECTION, which dh_installman puts under /usr/share/man/id (man shows them under an id locale).
manual_date=$(git log -1 --format=%cs 2>/dev/null || date +%F)
for lang in en id; do
    for program in simpul:1 simpul-aggregator:8; do
        name=${program%:*} section=${program#*:}
        mkdir -p "$work/man-$lang/$name"
        SIMPUL_LANG=$lang LC_ALL=C.UTF-8 "$bin/generate-manual" "$bin/$name" --multi-page --section "$section" \
            --date "$manual_date" --authors "Simpul team<simpul@simpul.invalid>" -o "$work/man-$lang/$name"
    done
    python3 scripts/lib/man-names.py "$work/man-$lang/simpul" "$work/man-$lang/simpul-aggregator"
done
for name in simpul simpul-aggregator; do
    cp "$work/man-en/$name"/* "$stage/build/man/$name/"
    for page in "$work/man-id/$name"/*; do
        base=$(basename "$page")
        cp "$page" "$stage/build/man/$name/${base%.*}.id.${base##*.}"
    done
done
# Completions are sourced, not run: no #! line (lintian: bash-completion-with-hashbang).
for p in simpul simpul-aggregator; do
    SIMPUL_LANG=en "$bin/$p" --generate-completion-script bash | sed '1{/^#!/d}' >"$stage/build/completions/bash/$p"
    SIMPUL_LANG=en "$bin/$p" --generate-completion-script zsh >"$stage/build/completions/zsh/_$p"
done
echo "package: $(ls "$stage/build/man/simpul" | wc -l) man pages for simpul, $(ls "$stage/build/man/simpul-aggregator" | wc -l) for simpul-aggregator" >&2

compression=""
[ "$fast" = 0 ] || compression="-Zgzip -z1"
(cd "$stage" && SIMPUL_DEB_COMPRESSION="$compression" dpkg-buildpackage -b -us -uc -d >"$work/build.log" 2>&1) || { tail -40 "$work/build.log" >&2; die "dpkg-buildpackage failed (the log's end above)"; }
mkdir -p "$out"
debs=()
for p in simpul simpul-aggregator; do
    deb=$(ls "$work/${p}_${version}_"*.deb)
    cp "$deb" "$out/"
    debs+=("$out/$(basename "$deb")")
done

if [ "$lintian" = 1 ]; then
    # Errors and warnings fail; info and pedantic tags are shown only when --verbose is wanted.
    lintian --fail-on error,warning --suppress-tags-from-file /dev/null "${debs[@]}" >&2 \
        || die "lintian found errors or warnings in the packages (above); fix them, or add an override with its reason to debian/*.lintian-overrides"
    echo "package: lintian: no errors or warnings" >&2
fi
for deb in "${debs[@]}"; do
    echo "package: $(basename "$deb"): $(dpkg-deb -f "$deb" Installed-Size) KiB installed; Depends: $(dpkg-deb -f "$deb" Depends)" >&2
done
printf '%s\n' "${debs[@]}"
