#!/usr/bin/env bash
# The seeded-mutant gate: every check of the crate must be able to fail.
#
# Each verification/mutants/NN-name.mutant is a small realistic bug in the production source: find/replace
# edits applied by verification/apply_mutant.py (each edit's text must occur exactly once, so the gate
# survives refactors that move code and fails loudly when an edit no longer matches), after header lines:
#
#   # mutant: <one-line description>
#   # invariant: I1, I3
#   # check: loom loom_models::<filter>          (tried in order; the first that fails kills the mutant)
#   # check: shuttle shuttle_models::<filter>
#   # check: std --test <file> [filter]
#   # check: std --lib <filter>                  (the crate's unit tests, e.g. a storage module's)
#   # env: NAME=value                             (optional, for the checks of this mutant only)
#   # timeout: <seconds>                          (optional, per check; default $MUTANT_TIMEOUT or 120)
#
# For each mutant, a copy of the crate (tracked and untracked-not-ignored files of the working tree) is reset
# from a pristine copy, the edits are applied (checked first: an edit that no longer matches exactly once fails
# the gate), each check's test binary is built (a mutant that does not compile fails the gate; a build failure is
# never a kill) and run under `timeout` (a timeout is a kill, marked "hang"). A check that runs no test at all
# (a renamed test) fails the gate too. Persistent target dirs target/mutants-{std,loom,shuttle} keep the
# dependencies built once.
#
# The table says why each mutant was killed (column "first failure", from the killing check's log; see
# `first_failure`): `[panic] <message> (<file:line>)` for the first panic, `[deadlock] ...` for a model checker's
# deadlock report, or an accident, tagged in capitals: `[HANG]` (the timeout), `[CRASH SIGxxx]` (a signal with no
# panic before it), `[LOOM BRANCH LIMIT]`. A signal after a panic is added to its tag (`[deadlock, then SIGABRT]`:
# loom aborts while cleaning up a failed model). A kill by accident still counts, but a reader can tell it from
# an assertion; the line before the last counts them.
#
# Defaults for the checks: PROPTEST_CASES=2000, SHUTTLE_ITERATIONS=1000 (a mutant's `# env:` overrides them).
#
# Usage: bash verification/mutants.sh [PATTERN]   (PATTERN: only the mutants whose file name contains it)
# Last line of output: `mutants: K killed of N`; exit status non-zero unless every mutant was killed and every
# mutant applied and compiled.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
only=${1:-}
default_timeout=${MUTANT_TIMEOUT:-120}
export CARGO_TERM_COLOR=never RUST_BACKTRACE=0

cd "$root" || exit 2
scratch=$root/target/mutants-src
# Target dirs per cfg. `.ci/run` points them at the dirs its own std/loom/shuttle builds just filled, so the
# dependencies are not built again (the mutated crate lives at another path: its artifacts never mix with
# the real crate's).
std_target=${MUTANT_TARGET_STD:-$root/target/mutants-std}
loom_target=${MUTANT_TARGET_LOOM:-$root/target/mutants-loom}
shuttle_target=${MUTANT_TARGET_SHUTTLE:-$root/target/mutants-shuttle}
mkdir -p "$scratch"
# One gate at a time per checkout: the scratch copy and target dirs are shared.
exec 9>"$scratch/lock"
if ! flock -n 9; then
    echo "mutants.sh: another run holds $scratch/lock; waiting" >&2
    flock 9
fi

pristine=$scratch/pristine
work=$scratch/crate
logs=$scratch/logs
rm -rf "$pristine" "$logs"
mkdir -p "$pristine" "$logs"
git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$pristine" || {
    echo "mutants.sh: cannot copy the working tree" >&2
    exit 2
}

# The target dirs may be shared with ordinary builds (CI passes its own). They end up holding the last
# mutant's build of this crate, which cargo can take as fresh for the real sources (its dep-info names the
# scratch copy, whose files are newer): drop the crate's own artifacts on exit so the next build recompiles it.
forget_mutant_builds() {
    local dir
    for dir in "$std_target" "$loom_target" "$shuttle_target"; do
        if [[ -d $dir ]]; then
            (cd "$root" && cargo clean -q -p tokio-mpmc --target-dir "$dir") || true
        fi
    done
}
trap forget_mutant_builds EXIT

started=$SECONDS
rows=()
accidents=0
killed=0
total=0
broken=0

# Runs one check in $work. Sets: verdict (killed|hang|survived|build-failed|no-test), iterations, elapsed.
run_check() {
    local kind=$1
    shift
    local target flags=() build=() run=() log
    case $kind in
    loom | shuttle)
        if [[ $kind == loom ]]; then target=$loom_target; else target=$shuttle_target; fi
        flags=(--cfg "$kind")
        build=(cargo test --lib --no-run)
        run=(cargo test --lib -- "$@")
        ;;
    std)
        target=$std_target
        if [[ ${1:-} == --lib ]]; then
            # The crate's own unit tests (the storage modules'): `std --lib <filter>`.
            build=(cargo test --lib --no-run)
            run=(cargo test --lib -- "${@:2}")
        elif [[ ${1:-} == --test && -n ${2:-} ]]; then
            build=(cargo test --test "$2" --no-run)
            run=(cargo test --test "$2" -- "${@:3}")
        else
            echo "bad check: std $*" >&2
            verdict=bad-check
            return
        fi
        ;;
    *)
        echo "bad check kind: $kind" >&2
        verdict=bad-check
        return
        ;;
    esac
    log=$logs/$name.$kind.$check_no.log
    local rustflags="${flags[*]}"
    if ! (cd "$work" && CARGO_TARGET_DIR=$target RUSTFLAGS=$rustflags "${build[@]}") >"$log.build" 2>&1; then
        verdict=build-failed
        tail -n 30 "$log.build" >&2
        return
    fi
    # The crate must have been recompiled from the mutated copy: a build that found it "fresh" (another cargo
    # wrote the same target dir with newer timestamps) would test a stale binary.
    if ! grep -q '^ *Compiling tokio-mpmc ' "$log.build"; then
        find "$work" -name '*.rs' -exec touch {} +
        if ! (cd "$work" && CARGO_TARGET_DIR=$target RUSTFLAGS=$rustflags "${build[@]}") >"$log.build" 2>&1 ||
            ! grep -q '^ *Compiling tokio-mpmc ' "$log.build"; then
            verdict=build-failed
            echo "the mutant was not recompiled (stale target dir?)" >&2
            tail -n 30 "$log.build" >&2
            return
        fi
    fi
    local t0=$SECONDS rc
    (cd "$work" && env "${mutant_env[@]}" CARGO_TARGET_DIR="$target" RUSTFLAGS="$rustflags" \
        timeout --kill-after=10 "$check_timeout" "${run[@]}") >"$log" 2>&1
    rc=$?
    elapsed=$((SECONDS - t0))
    iterations=-
    local n
    case $kind in
    loom) n=$(grep -oE 'loom model [^:]+: [0-9]+ interleavings' "$log" | tail -n 1 | grep -oE '[0-9]+ interleavings') &&
        iterations=${n% interleavings} ;;
    shuttle) n=$(grep -oE 'FAILED at iteration [0-9]+ of [0-9]+' "$log" | head -n 1) &&
        iterations=$(awk '{print $4 "/" $6}' <<<"$n") ;;
    std) n=$(grep -oE 'successes: [0-9]+' "$log" | head -n 1) &&
        iterations=$((${n#successes: } + 1)) ;;
    esac
    if ((rc == 124 || rc == 137)); then
        verdict=hang
    elif ((rc != 0)); then
        verdict=killed
    elif ! grep -qE '^running [1-9][0-9]* tests?$' "$log"; then
        verdict=no-test
    else
        verdict=survived
    fi
    failure=
    if [[ $verdict == killed || $verdict == hang ]]; then
        failure=$(first_failure "$log" "$rc")
    fi
}

# Prints why a check failed, one line, from its log and exit status: a tag in brackets, then the first failure
# message. Accidents have their tag in capitals: [HANG] (the timeout), [CRASH SIGxxx] (killed by a signal with no
# panic before it), [LOOM BRANCH LIMIT]. Otherwise the tag says what failed first: [panic] with the message and
# where it was raised, or [deadlock] (loom's "deadlock; threads = ...", shuttle's "deadlock! blocked tasks: ...");
# ", then SIGxxx" when the process was killed by a signal after it (loom aborts while cleaning up a failed model).
first_failure() {
    local log=$1 rc=$2 signal panic message location tag why
    signal=$(grep -m 1 -oE '\(signal: [0-9]+, SIG[A-Z0-9]+' "$log" | grep -oE 'SIG[A-Z0-9]+')
    if [[ -z $signal ]]; then
        case $rc in
        134) signal=SIGABRT ;;
        139) signal=SIGSEGV ;;
        esac
    fi
    # The first panic: `thread '...' panicked at <file:line:col>:` and its message on the next line (Rust >= 1.73).
    panic=$(grep -m 1 -A 1 -E "panicked at [^ ]+:[0-9]+:[0-9]+:$" "$log")
    if [[ -n $panic ]]; then
        location=$(head -n 1 <<<"$panic" | grep -oE '[^ ]+:[0-9]+:[0-9]+:$' | sed -E 's/:[0-9]+:$//; s#^.*/registry/src/[^/]+/##')
        message=$(sed -n 2p <<<"$panic")
    fi
    if ((rc == 124 || rc == 137)); then
        local running
        running=$(grep -oE 'test [^ ]+ has been running for over' "$log" | tail -n 1 | awk '{print $2}')
        why="[HANG] no end within the ${check_timeout}s timeout${running:+ ($running still running)}"
    elif grep -q 'Model exceeded maximum number of branches' "$log"; then
        why="[LOOM BRANCH LIMIT] the model exceeded loom's maximum number of branches"
    elif [[ -z $panic && -n $signal ]]; then
        why="[CRASH $signal] no panic before it"
    elif [[ -z $panic ]]; then
        why="[exit status $rc, no panic] $(grep -m 1 -E '^(error|FAILED|test result)' "$log")"
    else
        if [[ $message == deadlock* ]]; then
            tag=deadlock
        else
            tag=panic
            message="$message ($location)"
        fi
        why="[$tag${signal:+, then $signal}] $message"
    fi
    # One table cell: at most 160 characters, no column separator.
    ((${#why} > 160)) && why="${why:0:159}…"
    printf '%s' "${why//|/\\|}"
}

shopt -s nullglob
mutants=("$here"/mutants/*.mutant)
for mutant in "${mutants[@]}"; do
    name=$(basename "$mutant" .mutant)
    [[ -n $only && $name != *"$only"* ]] && continue
    total=$((total + 1))
    invariant=$(sed -n 's/^# invariant: *//p' "$mutant" | head -n 1)
    mapfile -t checks < <(sed -n 's/^# check: *//p' "$mutant")
    mapfile -t mutant_env < <(sed -n 's/^# env: *//p' "$mutant")
    mutant_env=(PROPTEST_CASES=2000 SHUTTLE_ITERATIONS=1000 "${mutant_env[@]}")
    check_timeout=$(sed -n 's/^# timeout: *//p' "$mutant" | head -n 1)
    check_timeout=${check_timeout:-$default_timeout}
    echo "==> $name   [$((SECONDS - started))s]" >&2

    rm -rf "$work"
    cp -a "$pristine" "$work"
    # Fresh mtimes: cargo must never take a reverted file for an unchanged one.
    find "$work" -name '*.rs' -exec touch {} +
    if ((${#checks[@]} == 0)); then
        rows+=("$name"$'\t'"$invariant"$'\t'"NO CHECK LISTED"$'\t-\t-\t-')
        broken=$((broken + 1))
        continue
    fi
    if ! (cd "$work" && python3 "$here/apply_mutant.py" "$mutant") >"$logs/$name.apply.log" 2>&1; then
        echo "mutants.sh: $name: the mutant no longer applies to the current source:" >&2
        cat "$logs/$name.apply.log" >&2
        rows+=("$name"$'\t'"$invariant"$'\t'"MUTANT DOES NOT APPLY"$'\t-\t-\t-')
        broken=$((broken + 1))
        continue
    fi

    result="SURVIVED"
    why=-
    iters=-
    time=-
    check_no=0
    for check in "${checks[@]}"; do
        check_no=$((check_no + 1))
        read -r -a words <<<"$check"
        verdict=
        iterations=-
        elapsed=0
        run_check "${words[@]}"
        case $verdict in
        killed | hang)
            result="$check"
            [[ $verdict == hang ]] && result="$check (hang)"
            why=$failure
            [[ $why =~ ^\[(HANG|CRASH|LOOM) ]] && accidents=$((accidents + 1))
            iters=$iterations
            time="${elapsed}s"
            killed=$((killed + 1))
            echo "    killed by: $result ($iters, ${elapsed}s): $why" >&2
            break
            ;;
        survived)
            echo "    survived: $check (${elapsed}s)" >&2
            ;;
        build-failed)
            echo "mutants.sh: $name: DOES NOT COMPILE for '$check' (a build failure is not a kill)" >&2
            result="DOES NOT COMPILE ($check)"
            broken=$((broken + 1))
            break
            ;;
        no-test)
            echo "mutants.sh: $name: '$check' ran no test (renamed?)" >&2
            result="CHECK RAN NO TEST ($check)"
            broken=$((broken + 1))
            break
            ;;
        *)
            result="BAD CHECK ($check)"
            broken=$((broken + 1))
            break
            ;;
        esac
    done
    rows+=("$name"$'\t'"$invariant"$'\t'"$result"$'\t'"$why"$'\t'"$iters"$'\t'"$time")
done

echo
echo "| mutant | invariant | killed by | first failure | iterations | time |"
echo "|---|---|---|---|---|---|"
for row in "${rows[@]}"; do
    IFS=$'\t' read -r a b c d e f <<<"$row"
    echo "| $a | $b | $c | $d | $e | $f |"
done
echo
echo "gate time: $((SECONDS - started)) s (time column: the killing check's run, build excluded; iterations: loom interleavings when the model prints them, shuttle failing iteration/of, proptest failing case)"
echo "kills by accident ([HANG], [CRASH ...], [LOOM BRANCH LIMIT] in the first-failure column): $accidents"
echo "mutants: $killed killed of $total"
if ((killed < total || broken > 0 || total == 0)); then
    exit 1
fi
