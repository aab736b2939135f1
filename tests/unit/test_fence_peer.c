/* DRBD fencing: what twind answers DRBD's fence-peer handler. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fence_peer.h"

static struct fence_in base(void)
{
	struct fence_in in;

	memset(&in, 0, sizeof(in));
	in.peer_disk = DRBD_DISK_UNKNOWN;
	in.serving = 1;
	return in;
}

/* eth1 cut, eth0 up: the peer is asked; its disk state decides */
static void test_peer_on_lan(void)
{
	struct fence_in in = base();
	char why[256];

	in.peer_alive = 1;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
	CHECK_CONTAINS(why, "asking the peer");
	in.peer_answered = 1;
	in.peer_disk = DRBD_DISK_UPTODATE; /* its outdate still runs */
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
	in.peer_disk = DRBD_DISK_OUTDATED;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_OUTDATED);
	CHECK_CONTAINS(why, "outdated its disk");
	in.peer_disk = DRBD_DISK_INCONSISTENT;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_INCONSISTENT);
	in.peer_disk = DRBD_DISK_DISKLESS;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_INCONSISTENT);
	CHECK_CONTAINS(why, "Diskless");
	/* a Primary peer is never outdated: frozen until one yields */
	in.peer_disk = DRBD_DISK_UPTODATE;
	in.peer_primary = 1;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
	CHECK_CONTAINS(why, "Primary");
	/* the peer's answer counts even after it fell silent */
	in.peer_primary = 0;
	in.peer_disk = DRBD_DISK_OUTDATED;
	in.peer_alive = 0;
	in.serving = 0;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_OUTDATED);
}

/* silent on every path: the witness decides */
static void test_peer_silent(void)
{
	struct fence_in in = base();
	char why[256];

	/* no witness: as before fencing, go on once declared dead */
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_UNREACHABLE);
	CHECK_CONTAINS(why, "no witness");
	in.witness_configured = 1;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
	CHECK_CONTAINS(why, "witness");
	in.witness_reached = 1;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_FENCED);
	/* isolated: frozen, whatever else */
	in.isolated = 1;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
	CHECK_CONTAINS(why, "isolated");
	in.isolated = 0;
	/* a node that does not serve has no right to fence */
	in.serving = 0;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
	in.witness_configured = 0;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_WAIT);
}

static void test_reconnected(void)
{
	struct fence_in in = base();
	char why[256];

	in.drbd_connected = 1;
	in.isolated = 1;
	CHECK_EQ(fence_decide(&in, why, sizeof(why)), FENCE_OUTDATED);
	CHECK_CONTAINS(why, "back");
	CHECK_STR(fence_rc_name(FENCE_FENCED), "peer fenced");
	CHECK_STR(fence_rc_name((enum fence_rc)42), "?");
}

TEST_MAIN("fence_peer", {
	test_peer_on_lan();
	test_peer_silent();
	test_reconnected();
})
