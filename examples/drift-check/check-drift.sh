#!/usr/bin/env bash
# Drift check for a pipeline: compares the live Entra objects with the stack and fails when they
# differ. Exit codes: 0 no drift, 7 drift (Pulumi's "no changes were expected"), anything else
# an error (authentication, network, program). Nothing is changed: this only previews.
#
#   usage: check-drift.sh [--stack NAME] [--cwd DIR]
set -uo pipefail

args=(preview --refresh --expect-no-changes --diff --non-interactive)
[ "${1:-}" = "--stack" ] && { args+=(--stack "$2"); shift 2; }
[ "${1:-}" = "--cwd" ] && { args+=(--cwd "$2"); shift 2; }

pulumi "${args[@]}"
code=$?
case $code in
  0) echo "drift-check: no drift" ;;
  7) echo "drift-check: DRIFT — live Entra objects differ from the stack (see the diff above). Run 'pulumi up --refresh' to restore them, or change the program to accept them." >&2 ;;
  *) echo "drift-check: error (exit $code) — the check could not run; see the output above." >&2 ;;
esac
exit $code
