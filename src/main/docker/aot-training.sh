#!/bin/bash
# The training run of the container image's ahead-of-time cache (JEP 483, JEP 514), run by Dockerfile.jvm in the
# application's directory:
#
#   bash aot-training/aot-training.sh CACHE JVM-OPTION...
#
# Starts the operator with the given JVM options (the ENTRYPOINT's: a cache made with other ones is refused) and
# -XX:AOTCacheOutput=CACHE, in the sandbox profile: the simulated AWS runs in the same JVM, seeded with the sample
# world beside this script (sandbox.yaml, desired-state.yaml), so the run loads what a real start loads: the
# configuration, the HTTP server, the AWS SDK clients and their first calls, the plan and the ledger. When
# /q/health/ready answers UP (a valid plan, and a reconcile cycle that AWS answered) it stops the operator with
# SIGTERM, as docker stop does, and the JVM writes the cache as it exits. Exits 0 only if the cache was written.
#
# The operator listens on 8080 and the simulated AWS on 4566, inside the build container; QUARKUS_HTTP_PORT and
# MIGRATOR_SANDBOX_PORT move them where those ports are taken (the tests that run this step on a host).
set -u

cache=$1
shift
world=$(dirname "$0")
port=${QUARKUS_HTTP_PORT:-8080}
log=$(mktemp)

java "$@" -XX:AOTCacheOutput="$cache" -Dquarkus.profile=sandbox \
    -Dmigrator.sandbox.seed="$world/sandbox.yaml" -Dmigrator.sandbox.plan="$world/desired-state.yaml" \
    -jar quarkus-run.jar > "$log" 2>&1 &
operator=$!

fail() {
    echo "aot-training: $1; the operator's output:" >&2
    cat "$log" >&2
    kill -KILL "$operator" 2> /dev/null
    exit 1
}

# One GET of /q/health/ready through bash's /dev/tcp (the JRE image has no curl): true when it answers 200 (UP).
ready() {
    exec 3<> "/dev/tcp/127.0.0.1/$port" || return 1
    printf 'GET /q/health/ready HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
    local version status
    read -r version status <&3
    exec 3<&-
    status=${status%$'\r'}
    [ "${status%% *}" = 200 ]
}

# At most two minutes (1,200 polls 0.1 s apart), then the build fails with the operator's output.
for _ in $(seq 1200); do
    if ready 2> /dev/null; then
        kill -TERM "$operator"
        wait "$operator"
        [ -s "$cache" ] || fail "the JVM wrote no cache at $cache as it exited"
        rm -f "$log"
        exit 0
    fi
    kill -0 "$operator" 2> /dev/null || fail "the operator exited before it was ready"
    sleep 0.1
done
fail "the operator was not ready within two minutes"
