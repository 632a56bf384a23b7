#!/usr/bin/env bash
# Enforces the dependency rule of DESIGN §1 and the banned functions of
# STYLE: domain/ and app/ include no infrastructure library header,
# domain/ includes nothing from app/, and nobody uses strcpy/sprintf/strtok/gets.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
fail=0
libs='#include *[<"](libpq-fe\.h|libpq/|librdkafka/|h2o\.h|h2o/|yajl/|curl/|openssl/)'
for d in domain app; do
  hits=$(grep -rlE "$libs" "$d" --include='*.[ch]' || true)
  if [ -n "$hits" ]; then echo "layer rule: $d/ includes an infrastructure header: $hits"; fail=1; fi
done
hits=$(grep -rlE '#include *"(\.\./)?(app|infrastructure|workers)/' domain --include='*.[ch]' || true)
if [ -n "$hits" ]; then echo "layer rule: domain/ depends on an outer layer: $hits"; fail=1; fi
hits=$(grep -rlE '#include *"(\.\./)?infrastructure/' app workers --include='*.[ch]' || true)
if [ -n "$hits" ]; then echo "layer rule: app/ or workers/ include infrastructure/: $hits"; fail=1; fi
hits=$(grep -rnE '(^|[^a-z_.>])(strcpy|strcat|sprintf|vsprintf|strtok|gets)\s*\(' domain app infrastructure workers cmd tools --include='*.[ch]' || true)
if [ -n "$hits" ]; then echo "banned function:"; echo "$hits"; fail=1; fi
if [ $fail -eq 0 ]; then echo "1 passed, 0 failed"; else echo "0 passed, 1 failed"; fi
exit $fail
