#!/usr/bin/env bash
# Installs Simpul as systemd services on Debian 12: the node (`simpul`, on a kecamatan office PC) and/or
# the aggregator (`simpul-aggregator`, on the provincial server).
#
#   sudo scripts/install.sh [--node] [--aggregator] [--no-build] [--bin-dir DIR]
#
# For Debian and Ubuntu machines the packages are the usual way (scripts/package.sh, then apt install ./*.deb);
# this script is for building and installing from source on the machine itself.
# By default it builds release binaries here (scripts/build-release.sh: static Swift runtime, tuned link), so they
# need no Swift runtime on the target, and installs both roles. It installs the binaries to
# /usr/local/bin, the units to /etc/systemd/system, creates /etc/simpul with example configs, and prints
# the next steps. It never creates or overwrites node.toml or aggregator.toml (`init` writes those), never
# touches /var/lib/simpul*, and never starts or enables a service. Running it again upgrades.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
readonly REPO
readonly BIN_DEST=/usr/local/bin
readonly UNIT_DEST=/etc/systemd/system
readonly CONFIG_DIR=/etc/simpul
readonly DOC_DIR=/usr/local/share/doc/simpul
readonly RUNTIME_PACKAGES=(libcurl4 libsqlite3-0 ca-certificates)

usage() {
    cat <<'EOF'
Usage: scripts/install.sh [OPTIONS]

Installs the Simpul node and/or aggregator as systemd services (run as root, Debian 12).

Options:
  --node          install the node (simpul, simpul.service)
  --aggregator    install the aggregator (simpul-aggregator, simpul-aggregator.service)
                  (neither given: both)
  --no-build      do not build; install binaries already built (default .build-release/release)
  --bin-dir DIR   take the binaries from DIR (implies --no-build), e.g. built as another user with
                  scripts/build-release.sh --out DIR
  -h, --help      this help
EOF
}

note() { printf '%s\n' "$*"; }
warn() { printf 'install: warning: %s\n' "$*" >&2; }
die() { printf 'install: error: %s\n' "$*" >&2; exit 1; }

node=false
aggregator=false
build=true
bin_dir=""
while (($#)); do
    case $1 in
        --node) node=true ;;
        --aggregator) aggregator=true ;;
        --no-build) build=false ;;
        --bin-dir)
            (($# >= 2)) || die "--bin-dir needs a directory"
            bin_dir=$2
            build=false
            shift
            ;;
        --bin-dir=*) bin_dir=${1#--bin-dir=}; build=false ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; die "unknown option: $1" ;;
    esac
    shift
done
if ! $node && ! $aggregator; then
    node=true
    aggregator=true
fi

products=()
$node && products+=(simpul)
$aggregator && products+=(simpul-aggregator)

[[ $(id -u) == 0 ]] || die "run as root (sudo scripts/install.sh ...)"

# --- the runtime libraries the binaries link against -----------------------------------------------------
missing=()
if command -v dpkg-query >/dev/null; then
    for pkg in "${RUNTIME_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
    done
fi
((${#missing[@]} == 0)) || die "missing packages: ${missing[*]}; install them first: apt-get install ${missing[*]}"

# --- binaries --------------------------------------------------------------------------------------------
if $build; then
    command -v swift >/dev/null \
        || die "swift is not on root's PATH; build as a user who has it and run: sudo $0 --bin-dir DIR"
    note "Building simpul and simpul-aggregator (release, static Swift runtime, tuned link)..."
    bin_dir=$("$REPO/scripts/build-release.sh" | tail -n 1)
fi
[[ -n $bin_dir ]] || bin_dir=$REPO/.build-release/release
[[ -d $bin_dir ]] || die "no binary directory $bin_dir"
for product in "${products[@]}"; do
    [[ -x $bin_dir/$product ]] || die "$bin_dir/$product is missing or not executable"
    if command -v ldd >/dev/null && ldd "$bin_dir/$product" 2>/dev/null | grep -q 'libswiftCore\.so'; then
        warn "$bin_dir/$product links the Swift runtime dynamically (not built by scripts/build-release.sh);" \
            "it runs only where that runtime is installed at the same path"
    fi
done

for product in "${products[@]}"; do
    # Copy beside, then rename: a running daemon keeps its old binary until it is restarted.
    install -m 0755 "$bin_dir/$product" "$BIN_DEST/.$product.new"
    mv -f "$BIN_DEST/.$product.new" "$BIN_DEST/$product"
    note "Installed $BIN_DEST/$product"
done

# --- units -----------------------------------------------------------------------------------------------
for product in "${products[@]}"; do
    unit=$product.service
    src=$REPO/systemd/$unit
    dest=$UNIT_DEST/$unit
    [[ -f $src ]] || die "$src is missing"
    if [[ -f $dest ]] && ! cmp -s "$src" "$dest"; then
        cp -p "$dest" "$dest.bak"
        warn "$dest differed from this release and was replaced (old copy: $dest.bak);" \
            "keep local changes in a drop-in: systemctl edit $product"
    fi
    install -m 0644 "$src" "$dest"
    note "Installed $dest"
done

# --- configuration and docs ------------------------------------------------------------------------------
install -d -m 0755 "$CONFIG_DIR"
examples=()
$node && examples+=(node)
$aggregator && examples+=(aggregator)
for name in "${examples[@]}"; do
    src=$REPO/config/$name.example.toml
    [[ -f $src ]] || continue
    # Examples are refreshed on upgrade; the real $name.toml is never touched.
    install -m 0644 "$src" "$CONFIG_DIR/$name.example.toml"
    note "Installed $CONFIG_DIR/$name.example.toml (an example; $CONFIG_DIR/$name.toml is written by init)"
done
if [[ -f $REPO/docs/operations.md ]]; then
    install -d -m 0755 "$DOC_DIR"
    install -m 0644 "$REPO/docs/operations.md" "$DOC_DIR/operations.md"
fi

# --- systemd ---------------------------------------------------------------------------------------------
running=()
if [[ -d /run/systemd/system ]]; then
    systemctl daemon-reload
    for product in "${products[@]}"; do
        systemctl is-active --quiet "$product.service" && running+=("$product")
    done
else
    warn "systemd is not running here; run 'systemctl daemon-reload' once it is"
fi

# --- next steps ------------------------------------------------------------------------------------------
note ""
note "Next steps"
if $aggregator; then
    note ""
    note "Aggregator (provincial server):"
    if [[ -f $CONFIG_DIR/aggregator.toml ]]; then
        note "  already initialised ($CONFIG_DIR/aggregator.toml exists)."
    else
        note "  1. simpul-aggregator init --data-dir /var/lib/simpul-aggregator --listen HOST:PORT \\"
        note "         --config $CONFIG_DIR/aggregator.toml"
        note "     (as root, before the first start; the data directory must be /var/lib/simpul-aggregator,"
        note "      the unit's StateDirectory. PORT must be 1024 or above: put a TLS reverse proxy in front.)"
    fi
    note "  2. systemctl enable --now simpul-aggregator"
    note "  3. for each office: simpul-aggregator nodes add NODE_ID --public-key KEY"
    note "     (KEY is what 'simpul init' printed on that office's node)"
fi
if $node; then
    note ""
    note "Node (kecamatan office):"
    if [[ -f $CONFIG_DIR/node.toml ]]; then
        note "  already initialised ($CONFIG_DIR/node.toml exists)."
    else
        note "  1. simpul init --node-id 35.07.01 --aggregator https://AGGREGATOR \\"
        note "         --data-dir /var/lib/simpul --config $CONFIG_DIR/node.toml [--pseudonym-key FILE]"
        note "     (as root, before the first start; the data directory must be /var/lib/simpul, the unit's"
        note "      StateDirectory. Use this office's kecamatan code and the province's pseudonym key.)"
        note "     It prints the node's public key on its last line."
        note "  2. On the aggregator: simpul-aggregator nodes add 35.07.01 --public-key KEY"
    fi
    note "  3. systemctl enable --now simpul"
    note "  4. Check: simpul status; simpul sync now; journalctl -u simpul"
fi
if ((${#running[@]})); then
    note ""
    note "Running with the old binaries: systemctl restart ${running[*]/%/.service}"
fi
