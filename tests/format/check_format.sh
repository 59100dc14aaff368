#!/usr/bin/env bash
# Every C and C++ file the repository tracks is formatted as the root .clang-format says.
set -euo pipefail
cd "$1"
mapfile -t files < <(git ls-files '*.c' '*.cpp' '*.h' '*.hpp')
bad=()
for f in "${files[@]}"; do
    clang-format "$f" | cmp -s - "$f" || bad+=("$f")
done
if [ ${#bad[@]} -ne 0 ]; then
    printf 'not formatted (clang-format -i FILE): %s\n' "${bad[@]}"
    exit 1
fi
echo "${#files[@]} files formatted"
