#!/usr/bin/env bash
# The same ten node deaths with the product's default heartbeat profile
# (5 ms x 4 misses: 20 ms detection), not the functional tests' wide margins.
HB_INTERVAL= HB_MISSES= exec "$(dirname "$0")/test_failover_gaps.sh" "$@"
