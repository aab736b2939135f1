/* Node states, shared by the wire format, the daemon and the tools. */
#ifndef TWIN_NODE_STATE_H
#define TWIN_NODE_STATE_H

enum node_state {
	NS_INITIALIZING = 0, /* started, waiting for the peer or the startup wait */
	NS_ACTIVATING = 1,   /* probing / claiming the failover IP */
	NS_ACTIVE = 2,	     /* holds the failover IP, runs the services */
	NS_STANDBY = 3,	     /* ready to take over */
	NS_IDLE = 4,	     /* recovered, but waits for an admin (auto-failback off) */
	NS_INACTIVE = 5,     /* local health failed: may not hold the IP */
	NS_SPLIT_BRAIN = 6,  /* both claimed Active; waits for the admin */
	NS_COUNT
};

const char *node_state_name(int s); /* "Active", ...; "?" when out of range */

#endif
