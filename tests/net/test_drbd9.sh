#!/usr/bin/env bash
# test_drbd_takeover.sh with DRBD 9: state from `drbdsetup events2`.
DRBD_VERSION=9 exec "$(dirname "$0")/test_drbd_takeover.sh"
