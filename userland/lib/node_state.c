#include "node_state.h"

static const char *const names[NS_COUNT] = {
    [NS_INITIALIZING] = "Initializing",
    [NS_ACTIVATING] = "Activating",
    [NS_ACTIVE] = "Active",
    [NS_STANDBY] = "Standby",
    [NS_IDLE] = "Idle",
    [NS_INACTIVE] = "Inactive",
    [NS_SPLIT_BRAIN] = "SplitBrain",
};

const char *node_state_name(int s)
{
	return (s >= 0 && s < NS_COUNT) ? names[s] : "?";
}
