#!/usr/bin/env bash
# check_install.sh BUILD SOURCE MIME_OF VERSION: `cmake --install BUILD` into a temporary prefix, then the
# installed tree as a desktop and a package manager see it. Exit 0 when all holds, 1 on the first thing
# that does not, 77 (CTest's skip) when all that could be checked holds but a validator is missing.
set -uo pipefail
build=$1 source=$2 mime_of=$3 version=$4

work=$(mktemp -d) || exit 1
trap 'rm -rf "$work"' EXIT
root=$work/root
missing=()
fail() { echo "check_install: $*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1 || { missing+=("$1 (Debian: $2)"); return 1; }; }

cmake --install "$build" --prefix "$root" >"$work/install.log" 2>&1 || { cat "$work/install.log"; fail "cmake --install failed"; }

# Every file a desktop looks for, where it looks.
expected=(bin/backlog share/applications/backlog.desktop share/metainfo/backlog.metainfo.xml
          share/mime/packages/backlog.xml share/icons/hicolor/scalable/apps/backlog.svg
          share/man/man1/backlog.1.gz share/doc/backlog/copyright share/doc/backlog/changelog.gz
          share/doc/backlog/README.md share/doc/backlog/LICENSE
          share/backlog/lessons/scenarios/sandbox.yaml)
for size in 16 32 48 64 128 256; do expected+=("share/icons/hicolor/${size}x${size}/apps/backlog.png"); done
for f in "${expected[@]}"; do [[ -s $root/$f ]] || fail "$f is missing from the installed tree"; done
[[ -x $root/bin/backlog ]] || fail "bin/backlog is not executable"
for size in 16 32 48 64 128 256; do
    # A PNG's width and height are the big-endian words at bytes 16 and 20.
    read -r w h < <(od -An -tu1 -j16 -N8 "$root/share/icons/hicolor/${size}x${size}/apps/backlog.png" |
        awk '{ print $1*16777216 + $2*65536 + $3*256 + $4, $5*16777216 + $6*65536 + $7*256 + $8 }')
    [[ $w == "$size" && $h == "$size" ]] || fail "the ${size}x${size} icon is ${w}x${h}"
done
# Every shipped lesson and scenario, and nothing else in the lessons' folder.
(cd "$source/lessons" && find . -name '*.yaml' | sort) >"$work/shipped"
(cd "$root/share/backlog/lessons" && find . -type f | sort) >"$work/installed"
diff -u "$work/shipped" "$work/installed" || fail "the installed lessons differ from lessons/ (above)"

# The installed program: its version without a display, and the installed lessons and scenarios checked.
out=$(env -u DISPLAY -u WAYLAND_DISPLAY -u QT_QPA_PLATFORM "$root/bin/backlog" --version 2>&1) ||
    fail "backlog --version failed: $out"
[[ $out == "backlog $version" ]] || fail "backlog --version printed '$out', expected 'backlog $version'"
for folder in lessons lessons/scenarios; do
    "$root/bin/backlog" check "$root/share/backlog/$folder/" >"$work/check.log" 2>&1 ||
        { cat "$work/check.log"; fail "backlog check of the installed $folder failed"; }
done
# A relocated prefix works as well: the program finds its lessons from its own folder.
mv "$root" "$work/moved" && root=$work/moved
"$root/bin/backlog" check "$root/share/backlog/lessons/scenarios/sandbox.yaml" >/dev/null 2>&1 ||
    fail "the moved install's sandbox does not check"

if have desktop-file-validate desktop-file-utils; then
    desktop-file-validate "$root/share/applications/backlog.desktop" >"$work/desktop.log" 2>&1 ||
        { cat "$work/desktop.log"; fail "desktop-file-validate failed"; }
    # A hint (two main categories: Education and Network, so it is listed in both menus) is not a fault.
    if grep -v ': hint: ' "$work/desktop.log"; then fail "desktop-file-validate warned (above)"; fi
fi

if have appstreamcli appstream; then
    # The one warning the README explains: the ID is not a reverse domain name (the project has no domain).
    appstreamcli validate --no-net "$root/share/metainfo/backlog.metainfo.xml" >"$work/appstream.log" 2>&1
    if grep -E '^[EW]: ' "$work/appstream.log" | grep -v -E '^W: backlog:[0-9]+: cid-desktopapp-is-not-rdns '; then
        cat "$work/appstream.log"
        fail "appstreamcli validate: errors or warnings besides cid-desktopapp-is-not-rdns (above)"
    fi
    grep -q -E '^W: .*cid-desktopapp-is-not-rdns' "$work/appstream.log" || grep -q -E 'Validation was successful' \
        "$work/appstream.log" || { cat "$work/appstream.log"; fail "appstreamcli validate said neither"; }
fi

# The lesson type by content: a MIME database of freedesktop.org's types and the installed backlog.xml,
# as update-mime-database builds it in /usr/share/mime, read by Qt's QMimeDatabase.
if have update-mime-database shared-mime-info && [[ -f /usr/share/mime/packages/freedesktop.org.xml ]]; then
    mkdir -p "$work/data/mime/packages" "$work/home" &&
        cp /usr/share/mime/packages/freedesktop.org.xml "$root/share/mime/packages/backlog.xml" \
            "$work/data/mime/packages/" || fail "cannot copy the MIME packages"
    update-mime-database "$work/data/mime" >/dev/null 2>&1 || fail "update-mime-database rejected backlog.xml"
    lesson=$root/share/backlog/lessons/01-two-queues.yaml
    cp "$lesson" "$work/a-lesson-without-extension" || fail "cannot copy a lesson"
    printf 'key: value\n' >"$work/plain.yaml" || fail "cannot write a YAML file"
    mapfile -t types < <(XDG_DATA_DIRS=$work/data XDG_DATA_HOME=$work/home "$mime_of" "$lesson" \
        "$work/a-lesson-without-extension" "$root/share/backlog/lessons/scenarios/sandbox.yaml" "$work/plain.yaml")
    want=(application/x-backlog-lesson application/x-backlog-lesson yaml yaml)
    names=("a lesson (.yaml)" "a lesson without extension" "a scenario" "a YAML file")
    for i in 0 1 2 3; do
        # YAML is application/x-yaml in Debian 12's shared-mime-info, application/yaml in later ones.
        [[ ${types[i]:-} == "${want[i]}" || (${want[i]} == yaml && ${types[i]:-} =~ ^application/(x-)?yaml$) ]] ||
            fail "${names[i]} is '${types[i]:-}', expected ${want[i]}"
    done
fi

if ((${#missing[@]})); then
    echo "check_install: the install holds; not checked, for want of: ${missing[*]}"
    exit 77
fi
echo "check_install: the installed tree, its desktop entry, metadata, MIME type and program are as they should be"
