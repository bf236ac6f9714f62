#!/usr/bin/env bash
# The NVMe/TCP receive-path fuzz target over its committed corpus and mutations of it.
set -euo pipefail
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}
top_builddir=${top_builddir:-$top_srcdir}
exec "$top_builddir/tests/fuzz/nvmf_recv_replay" "$top_srcdir/tests/fuzz/corpus/nvmf"
