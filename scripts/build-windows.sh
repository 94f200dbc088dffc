#!/usr/bin/env bash
# Cross-compiles build-windows/wisp.exe for the Windows Hypervisor Platform
# with Debian's mingw-w64 (warnings are errors), then checks it:
#   - the mirrored WHP types the Linux build and unit tests use
#     (src/accel/winhv_types.h) match Microsoft's <WinHvPlatformDefs.h>:
#     sizes, alignments, offsets, bit fields, constants;
#   - wisp.exe's PE import table lists every WHP function src/accel/whp.c
#     calls, under WinHvPlatform.dll / WinHvEmulation.dll, and no mingw
#     runtime DLL (the runtime is linked statically);
#   - the CMake route (CMakeLists.txt with cmake/mingw-w64-x86_64.cmake)
#     configures and builds the same wisp.exe (skipped if cmake is missing,
#     or with WISP_SKIP_CMAKE=1).
# Nothing here runs wisp.exe: that needs Windows.
#
#   scripts/build-windows.sh               build and check
#   BUILD_WINDOWS=dir scripts/build-windows.sh
set -euo pipefail
cd "$(dirname "$0")/.."

out=${BUILD_WINDOWS:-build-windows}
host=x86_64-w64-mingw32
cc=${MINGW_CC:-$host-gcc}
objdump=${MINGW_OBJDUMP:-$host-objdump}
for tool in "$cc" "$objdump"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "build-windows: $tool not found: install gcc-mingw-w64-x86-64 and binutils-mingw-w64-x86-64" \
             "(scripts/install-deps.sh test does)" >&2
        exit 1
    fi
done

cppflags=(-Isrc -Iinclude -D__USE_MINGW_ANSI_STDIO=1 -D_FILE_OFFSET_BITS=64
          -D_WIN32_WINNT=0x0A00 -DWISP_HAVE_LIBPNG=0)
cflags=(-std=gnu11 -O2 -g -Wall -Wextra -Wshadow -Wstrict-prototypes -Wformat=2 -Wvla -Werror)
libs=(-lwinhvplatform -lwinhvemulation -lwinmm)

# The POSIX halves (*_posix.c) and the KVM backend stay out, and so does
# the control socket's JSON (json-c has no mingw-w64 build in Debian; as in
# CMakeLists.txt, Windows gets the stubs that refuse --api-socket).
mapfile -t sources < <(find src -name '*.c' ! -name '*_posix.c' ! -path 'src/accel/kvm*.c' \
                       ! -path src/api/api_request.c ! -path src/api/api_commands.c | sort)

rm -rf "$out/obj" "$out/gen"
mkdir -p "$out/obj" "$out/gen"
# The VGA text screen's font, converted on the build host as the Makefile
# does (scripts/psf2c.c, Debian's console-data font).
vga_font=${VGA_FONT:-/usr/share/consolefonts/default8x16.psf.gz}
if [ ! -f "$vga_font" ]; then
    echo "build-windows: the console font $vga_font is missing: install Debian's console-data" \
         "(scripts/install-deps.sh build)" >&2
    exit 1
fi
gcc -Isrc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/gen/psf2c" scripts/psf2c.c
gzip -dcf "$vga_font" | "$out/gen/psf2c" "$(basename "$vga_font")" > "$out/gen/vga_font.c"
sources+=("$out/gen/vga_font.c")
echo "build-windows: compiling ${#sources[@]} files with $cc"
export out cc
export CPPFLAGS_LIST="${cppflags[*]}" CFLAGS_LIST="${cflags[*]}"
failed=0
jobs=$(nproc 2>/dev/null || echo 4)
printf '%s\n' "${sources[@]}" | xargs -P "$jobs" -n 1 bash -c '
    set -e
    src=$1; obj="$out/obj/${src%.c}.o"
    mkdir -p "$(dirname "$obj")"
    "$cc" $CPPFLAGS_LIST $CFLAGS_LIST -c -o "$obj" "$src"' compile || failed=1
if [ "$failed" != 0 ]; then
    echo "build-windows: compilation failed" >&2
    exit 1
fi
objects=()
for src in "${sources[@]}"; do
    objects+=("$out/obj/${src%.c}.o")
done
"$cc" -static -o "$out/wisp.exe" "${objects[@]}" "${libs[@]}"
echo "build-windows: built $out/wisp.exe"
if ! grep -q "$(basename "$vga_font")" "$out/wisp.exe"; then
    echo "build-windows: wisp.exe lacks the VGA font table" >&2
    exit 1
fi

# ---- the mirrored types against the real header ----
# Every WHV_/WHv name the mirror declares is renamed so that both layouts
# can meet in one file.
sed -n '/^#else/,/^#endif \/\* mirror \*\//p' src/accel/winhv_types.h \
    | grep -oE '\b(WHV_[A-Z0-9_]+|WHv[A-Za-z0-9_]+)\b' | sort -u \
    | awk '{ printf "#define %s mirror_%s\n", $1, $1 }' > "$out/gen/winhv_layout_renames.h"
"$cc" "${cppflags[@]}" "${cflags[@]}" -I"$out/gen" -c -o "$out/obj/winhv_layout_check.o" \
    tests/whp/winhv_layout_check.c
echo "build-windows: winhv_types.h matches WinHvPlatformDefs.h" \
     "($(wc -l < "$out/gen/winhv_layout_renames.h") names)"

# ---- the PE imports ----
"$objdump" -p "$out/wisp.exe" > "$out/imports.txt"
# "DLL Name: x" starts a DLL's list; its functions follow until a blank line.
awk '/DLL Name:/ { dll = tolower($3); next }
     /^$/ { dll = "" }
     dll != "" && $1 ~ /^[0-9a-f]+$/ && $2 ~ /^[0-9]+$/ && NF >= 3 { print dll, $3 }' \
    "$out/imports.txt" \
    > "$out/imports-by-dll.txt"
mapfile -t dlls < <(awk '/DLL Name:/ { print tolower($3) }' "$out/imports.txt" | sort -u)
echo "build-windows: wisp.exe imports from: ${dlls[*]}"
status=0
for dll in "${dlls[@]}"; do
    case "$dll" in
        libwinpthread*|libgcc*|libstdc*)
            echo "build-windows: wisp.exe needs the mingw runtime DLL $dll (link statically)" >&2
            status=1 ;;
    esac
done
# The functions the WHP headers declare, from the headers the compiler uses.
mapfile -t headers < <(printf '#include <windows.h>\n#include <winhvplatform.h>\n#include <winhvemulation.h>\n' \
                       | "$cc" -M -x c - | tr ' \\' '\n\n' | grep -i 'winhv[a-z]*\.h$' | sort -u)
header_functions=$(grep -ohE 'WINAPI WHv[A-Za-z0-9]+\(' "${headers[@]}" | sed 's/WINAPI //; s/($//' | sort -u)
mapfile -t used < <(grep -oE '\bWHv[A-Za-z0-9]+\(' src/accel/whp.c | sed 's/($//' | sort -u \
                    | grep -Fxf <(printf '%s\n' "$header_functions"))
if [ ${#used[@]} -eq 0 ]; then
    echo "build-windows: found no WHP function calls in src/accel/whp.c" >&2
    exit 1
fi
for fn in "${used[@]}"; do
    if grep -qE "^(winhvplatform|winhvemulation)\.dll $fn\$" "$out/imports-by-dll.txt"; then
        echo "  imported: $(grep -E " $fn\$" "$out/imports-by-dll.txt")"
    else
        echo "build-windows: wisp.exe does not import $fn from WinHvPlatform/WinHvEmulation" >&2
        status=1
    fi
done
[ "$status" = 0 ] || exit 1
echo "build-windows: all ${#used[@]} WHP functions whp.c calls are PE imports"

# ---- the CMake route ----
if [ "${WISP_SKIP_CMAKE:-0}" = 1 ]; then
    echo "build-windows: CMake check skipped (WISP_SKIP_CMAKE=1)"
elif ! command -v cmake >/dev/null 2>&1; then
    echo "build-windows: cmake not installed: CMake check skipped"
else
    rm -rf "$out/cmake"
    cmake -S . -B "$out/cmake" -G 'Unix Makefiles' -DWISP_WERROR=ON \
        -DCMAKE_TOOLCHAIN_FILE="$PWD/cmake/mingw-w64-x86_64.cmake" > "$out/cmake.log"
    cmake --build "$out/cmake" -j "$jobs" >> "$out/cmake.log"
    "$objdump" -p "$out/cmake/wisp.exe" > "$out/cmake/imports.txt"
    if ! grep -qi 'DLL Name: winhvplatform.dll' "$out/cmake/imports.txt"; then
        echo "build-windows: the CMake-built wisp.exe does not import WinHvPlatform.dll" >&2
        exit 1
    fi
    if ! grep -q "$(basename "$vga_font")" "$out/cmake/wisp.exe"; then
        echo "build-windows: the CMake-built wisp.exe lacks the VGA font table" >&2
        exit 1
    fi
    echo "build-windows: CMake with the mingw-w64 toolchain file built $out/cmake/wisp.exe"
fi
