#!/usr/bin/env bash
# The public headers compile as C++ (C++11 and later) and as strict C11, warnings as errors.
set -euo pipefail
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
inc=(-I"$top_srcdir/include" -I"$top_builddir/include")
echo '#include <spdkrt.h>' | ${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic "${inc[@]}" \
	-fsyntax-only -x c -
echo "PASS: headers compile as C11"
if ! command -v g++ >/dev/null; then
	echo "SKIP: no C++ compiler"
	exit 77
fi
for std in c++11 c++17; do
	echo '#include <spdkrt.h>' | g++ -std=$std -Wall -Wextra -Werror "${inc[@]}" -fsyntax-only \
		-x c++ -
	echo "PASS: headers compile as $std"
done
