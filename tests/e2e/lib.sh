# lib.sh: checks for the end-to-end scripts. Source after sandbox_env.sh.
PASSED=0
FAILED=0

check() {   # check "what must hold" COMMAND...
  local what=$1; shift
  if "$@"; then
    PASSED=$((PASSED + 1)); echo "ok   - $what"
  else
    FAILED=$((FAILED + 1)); echo "FAIL - $what"
  fi
}

contains() { grep -qF -- "$2" <<<"$1"; }

# run_connector OUTVAR CODEVAR ARGS...: run the connector, keep output and code.
run_connector() {
  local __out=$1 __code=$2; shift 2
  local o c=0
  o=$("$BUILD/bin/connector" "$@" 2>&1) || c=$?
  printf -v "$__out" '%s' "$o"
  printf -v "$__code" '%s' "$c"
}

finish() {
  echo "$PASSED passed, $FAILED failed"
  [ "$FAILED" -eq 0 ]
}

CHECK="python3 $(dirname "${BASH_SOURCE[0]}")/sandbox_check.py"
